"""The one way into a run, shared by `evalrunner run` and `evalrunner.eval()`.

`.env` files, the suites (`file.yml@task` and `-F` filters), then every check made before
the first model call (`check_run`): a bad input stops here, with every error located.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import os
import warnings as python_warnings
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .._util.dotenv import load_env_files
from ..log._model import EvalLog
from ..suite._model import SourcePos, SpecError, SpecErrors, TaskDef
from ..suite._override import PlanOverride
from ..suite._select import load_tasks
from ._models import split_models
from ._options import RunOptions, parse_limit
from ._preflight import check_run

T = TypeVar("T")


def prepare_run(
    paths: Sequence[str | Path],
    params: dict[str, Any],
    filters: Sequence[str],
    options: RunOptions,
    *,
    reports: Sequence[tuple[str, str]] = (),
    writes: bool = True,
    override: PlanOverride | None = None,
    model: str | None = None,
) -> tuple[list[TaskDef], list[SpecError]]:
    """The tasks to run and the warnings; raises SpecErrors holding every error found.

    `writes=False` leaves out what only a run needs (the log folder), as `validate` does.
    `override` and `model` are `load_tasks`'s (`--solver`, `--epochs-reducer`; `--model`).
    """
    names = [str(p) for p in paths]
    _read_env(names)
    tasks, warnings = load_tasks(names, params, filters, override, model,
                                 options.models or ())
    if not tasks and writes:
        where = SourcePos(names[0] if names else ".", 1, 1)
        raise SpecErrors([SpecError(where, "no task matches the filters")])
    errors = check_run(tasks, options, writes=writes, reports=reports)
    if errors:  # options first, then by file and position; an option's error once
        unique = {(str(e.pos), e.message): e for e in errors}.values()
        raise SpecErrors(sorted(unique, key=lambda e: (e.pos.line > 0, e.pos.file,
                                                        e.pos.line, e.pos.column)))
    return tasks, warnings


# Options that eval() takes from EVALRUNNER_* (or a .env) when the caller does not set them,
# as the command line does; each with how its text is read.
_ENV_OPTIONS: dict[str, Callable[[str], Any]] = {
    "model": str,
    "model_base_url": str,
    "log_dir": str,
    "log_level": str,
    "epochs": int,
    "max_samples": int,
    "max_tasks": int,
    "limit": parse_limit,
    "sample_ids": lambda text: text.split(","),
}


def eval(
    suites: str | Path | Sequence[str | Path],
    *,
    model: str | Sequence[str] | None = None,
    params: dict[str, Any] | None = None,
    log_dir: str | None = None,
    filters: Sequence[str] = (),
    options: RunOptions | None = None,
) -> list[EvalLog]:
    """Load suite files (or folders, or `file.yml@task`) and run their tasks; returns the logs.

    The same path as `evalrunner run`: `.env` files are read, EVALRUNNER_* fill the options
    not given, `filters` are `-F` filters, and every check is made before the first model
    call (a problem raises SpecErrors, every error located). `params` are `-T` overrides.
    `options` is not changed. `model` is one model or several (each task runs once per
    model; `"a,b"` works too). Inside a running event loop (a notebook) the run gets its
    own loop in a worker thread.
    """
    paths = [suites] if isinstance(suites, str | Path) else list(suites)
    _read_env([str(p) for p in paths])
    run_options = _with_env(dataclasses.replace(options) if options else RunOptions())
    if model is not None:
        names = split_models([model] if isinstance(model, str) else model)
        run_options.model, run_options.models = (
            (names[0], None) if len(names) == 1 else (None, names))
    if log_dir is not None:
        run_options.log_dir = log_dir
    tasks, warnings = prepare_run(paths, params or {}, filters, run_options,
                                  model=run_options.model)
    for warning in warnings:
        python_warnings.warn(str(warning), stacklevel=2)
    from ._eval import eval_tasks_async

    return run_sync(lambda: eval_tasks_async(tasks, run_options))


def _read_env(paths: Sequence[str]) -> None:
    """The `.env` files of the working folder and beside the suites (`file.yml@task` too)."""
    from ..suite._select import split_task_path

    load_env_files([Path(split_task_path(p)[0]) for p in paths])


def _with_env(options: RunOptions) -> RunOptions:
    defaults = RunOptions()
    for name, read in _ENV_OPTIONS.items():
        env_name = "EVALRUNNER_" + ("SAMPLE_ID" if name == "sample_ids" else name.upper())
        text = os.environ.get(env_name)
        if name == "model" and options.models:
            continue  # several models were given: EVALRUNNER_MODEL would replace them
        if text and getattr(options, name) == getattr(defaults, name):
            setattr(options, name, read(text))
    return options


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to its end from synchronous code, even inside a running loop."""

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    # A notebook's loop is running in this thread: asyncio.run cannot nest, so the run
    # gets a loop of its own in a worker thread while this one waits.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="evalrunner") as pool:
        return pool.submit(asyncio.run, main()).result()
