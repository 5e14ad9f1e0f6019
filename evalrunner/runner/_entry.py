"""The one way into a run, shared by `evalrunner run`, `validate` and `evalrunner.eval()`.

`.env` files, the suites (`file.yml@task` and `-F` filters), then every check made before
the first model call (`check_run`): a bad input stops here, with every error located.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .._util.dotenv import load_env_files
from ..suite._model import SourcePos, SpecError, SpecErrors, TaskDef
from ..suite._override import PlanOverride
from ..suite._select import load_tasks
from ._options import RunOptions, parse_limit
from ._plan import RunPlan
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
    made: Sequence[TaskDef] = (),
) -> RunPlan:
    """The task runs, built once (the run uses them), and the warnings; raises SpecErrors
    holding every error found.

    `writes=False` leaves out what only a run needs (the log folder), as `validate` does.
    `override` and `model` are `load_tasks`'s (`--solver`, `--epochs-reducer`; `--model`).
    `made` are tasks made in Python (`eval(Task(...))`), run with those the paths name.
    """
    names = [str(p) for p in paths]
    read_env(names)
    tasks, warnings = (load_tasks(names, params, filters, override, model, options.models or ())
                       if names else ([], []))
    tasks = [*made, *tasks]
    if not tasks and writes:
        where = SourcePos(names[0] if names else ".", 1, 1)
        raise SpecErrors([SpecError(where, "no task matches the filters")])
    runs, found = check_run(tasks, options, writes=writes, reports=reports)
    warnings.extend(e for e in found if e.severity == "warning")
    errors = [e for e in found if e.severity != "warning"]
    if errors:  # options first, then by file and position; an option's error once
        unique = {(str(e.pos), e.message): e for e in errors}.values()
        raise SpecErrors(sorted(unique, key=lambda e: (e.pos.line > 0, e.pos.file,
                                                        e.pos.line, e.pos.column)))
    return RunPlan(runs, warnings)


# Options that eval() takes from EVALRUNNER_* (or a .env) when the caller does not set them,
# as the command line does; each with how its text is read.
_ENV_OPTIONS: dict[str, Callable[[str], Any]] = {
    "model": str,
    "model_base_url": str,
    "log_dir": str,
    "log_level": str,
    "log_format": str,
    "epochs": int,
    "max_samples": int,
    "max_tasks": int,
    "limit": parse_limit,
    "sample_ids": lambda text: text.split(","),
}


def read_env(paths: Sequence[str]) -> None:
    """The `.env` files of the working folder and beside the suites (`file.yml@task` too)."""
    from ..suite._select import split_task_path

    load_env_files([Path(split_task_path(p)[0]) for p in paths])


def with_env(options: RunOptions) -> RunOptions:
    """`options` with what EVALRUNNER_* (or a `.env`) set for those the caller did not."""
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
