"""`evalrunner.eval()` and `eval_set()`: Inspect's Python entry points, on the one pipeline.

Tasks may be `Task` objects, `@task` functions, suite or task files (`file.yml@task`,
`tasks.py@name`) or folders: all become TaskDefs, are checked and built once by
`prepare_run`, and run in the one session, with a display. Inside a running event loop (a
notebook) the run gets its own loop in a worker thread.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import warnings as python_warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..log._model import EvalLog
from ..model._config import GenerateConfig
from ..suite._model import LimitsDef, SpecErrors, TaskDef
from ..suite._override import PlanOverride, apply_override
from ..suite._select import load_tasks, matches
from ._entry import prepare_run, read_env, run_sync, with_env
from ._models import split_models
from ._options import RunOptions, parse_limit
from ._plan import RunPlan

EvalTarget = Any  # str | Path | Task | a @task function (kept loose: a notebook passes all)

_LIMITS = {"message_limit": "messages", "token_limit": "tokens", "time_limit": "seconds",
           "working_limit": "working", "cost_limit": "cost"}


def eval(
    tasks: EvalTarget | Sequence[EvalTarget],
    *,
    model: str | Sequence[str] | None = None,
    solver: Any = None,
    task_args: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    log_dir: str | None = None,
    filters: Sequence[str] = (),
    options: RunOptions | None = None,
    display: str | None = None,
    header_only: bool = False,
    **kwargs: Any,
) -> list[EvalLog]:
    """Run tasks and return their logs, with their samples (`header_only=True`: without).

    `model` is one model or several (`"a,b"` too); `solver` (a solver, a list of them, or a
    registered name) replaces every task's plan; `task_args` (or `params`) are `-T` values;
    `filters` are `-F` filters. Other keywords are run options (`limit`, `epochs`,
    `sample_id`, `max_samples`, `fail_on_error`, `message_limit`, ...) or generation
    config (`temperature`, `max_connections`, ...). `display` is rich, plain or none
    (default: rich on a terminal, else plain). Every check is made before the first model
    call: a problem raises SpecErrors, every error located.
    """
    plan, run_options = _prepare(tasks, model, solver, {**(params or {}), **(task_args or {})},
                                 log_dir, filters, options, kwargs)
    from ._eval import eval_tasks_async

    shown = _display(display)
    logs = run_sync(lambda: eval_tasks_async(plan, run_options, shown))
    shown.summary(logs)
    return logs if header_only else [_with_samples(log) for log in logs]


def eval_set(
    tasks: EvalTarget | Sequence[EvalTarget],
    log_dir: str,
    *,
    retry_attempts: int = 10,
    retry_wait: float = 30.0,
    retry_connections: float = 1.0,
    model: str | Sequence[str] | None = None,
    solver: Any = None,
    task_args: dict[str, Any] | None = None,
    filters: Sequence[str] = (),
    options: RunOptions | None = None,
    display: str | None = None,
    **kwargs: Any,
) -> tuple[bool, list[EvalLog]]:
    """Run every task x model into `log_dir` until each has a successful log (skipping
    those that have one, resuming unfinished ones); returns (all succeeded, the logs)."""
    from ._evalset import RetryPolicy, eval_set_async

    plan, run_options = _prepare(tasks, model, solver, task_args or {}, log_dir, filters,
                                 options, kwargs)
    policy = RetryPolicy(retry_attempts, retry_wait, retry_connections)
    shown = _display(display)
    logs = run_sync(lambda: eval_set_async(plan, run_options, policy, shown,
                                           notify=lambda text: print(text, file=sys.stderr)))
    shown.summary(logs)
    return all(log.status == "success" for log in logs), logs


def _prepare(
    targets: EvalTarget | Sequence[EvalTarget], model: str | Sequence[str] | None,
    solver: Any, args: dict[str, Any], log_dir: str | None, filters: Sequence[str],
    options: RunOptions | None, kwargs: dict[str, Any],
) -> tuple[RunPlan, RunOptions]:
    items = list(targets) if isinstance(targets, list | tuple) else [targets]
    paths = [str(t) for t in items if isinstance(t, str | Path)]
    read_env(paths)
    run_options = with_env(_options(dataclasses.replace(options) if options else RunOptions(),
                                    kwargs))
    if model is not None:
        names = split_models([model] if isinstance(model, str) else model)
        run_options.model, run_options.models = (
            (names[0], None) if len(names) == 1 else (None, names))
    if log_dir is not None:
        run_options.log_dir = log_dir
    override = PlanOverride(solver=solver) if isinstance(solver, str) else None
    texts = {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}
    loaded, warnings = load_tasks(paths, texts, filters, override, run_options.model) \
        if paths else ([], [])
    own = [t for t in _made_tasks(items, args) if matches(t, filters)]
    if override is not None:  # a registered solver's name: as `--solver NAME` does
        found = [e for task in own for e in apply_override(task, override)]
        if found:
            raise SpecErrors(list({str(e): e for e in found}.values()))
    made = [*own, *loaded]
    if solver is not None and override is None:
        _replace_plans(made, solver)  # before the build: the run builds what runs
    plan = prepare_run([], {}, (), run_options, made=made)
    plan.warnings = [*warnings, *plan.warnings]
    for warning in plan.warnings:
        python_warnings.warn(str(warning), stacklevel=3)
    return plan, run_options


def _made_tasks(items: list[EvalTarget], args: dict[str, Any]) -> list[TaskDef]:
    """Task objects and @task functions (called with the arguments they take) as TaskDefs."""
    from ..tasks import Task, task_def
    from ..tasks._task import task_name_of

    out: list[TaskDef] = []
    for item in items:
        if isinstance(item, str | Path):
            continue
        if isinstance(item, TaskDef):
            out.append(item)
            continue
        if task_name_of(item) is not None:
            item = item(**_taken(item, args))
        if not isinstance(item, Task):
            raise TypeError(f"eval(): expected a Task, a @task function or a path, got "
                            f"{type(item).__name__}")
        out.append(task_def(item, _task_file(item)))
    return out


def _taken(fn: Callable[..., Any], args: dict[str, Any]) -> dict[str, Any]:
    import inspect

    params = inspect.signature(fn).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return dict(args)
    return {k: v for k, v in args.items() if k in params}


def _task_file(task: Any) -> Path:
    """The file a task came from: its @task function's, else the script's (a notebook has
    none: the working folder then finds its relative paths)."""
    if task.file:
        return Path(task.file)
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    return Path(main) if main else Path.cwd() / "notebook"


def _replace_plans(tasks: list[TaskDef], solver: Any) -> None:
    from ..suite._compile import resolved_hash
    from ..tasks._convert import component_refs

    steps = component_refs("solver", solver)
    for task in tasks:
        task.plan = list(steps)
        task.resolved_hash = resolved_hash(task)


def _options(options: RunOptions, kwargs: dict[str, Any]) -> RunOptions:
    """Keyword options (Inspect's names too) onto RunOptions and its generation config."""
    fields = {f.name for f in dataclasses.fields(RunOptions)}
    config: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in _LIMITS:
            limits[_LIMITS[key]] = value
        elif key == "sample_id":
            ids = value if isinstance(value, list | tuple) else str(value).split(",")
            options.sample_ids = [str(i) for i in ids]
        elif key == "score":
            options.no_score = not value
        elif key == "limit":
            options.limit = tuple(value) if isinstance(value, list | tuple) \
                else parse_limit(value)  # type: ignore[assignment]
        elif key in fields:
            setattr(options, key, value)
        elif key in GenerateConfig.model_fields:
            config[key] = value
        else:
            raise TypeError(f"eval() got an unexpected keyword argument '{key}'")
    if config:
        options.config = options.config.merge(GenerateConfig(**config))
    if limits:
        options.limits = options.limits.merge(LimitsDef(**limits))
    return options


def _display(choice: str | None) -> Any:
    from ..display import make_display

    if choice is None:
        choice = "rich" if sys.stdout.isatty() and os.environ.get("CI") is None else "plain"
    return make_display(choice)


def _with_samples(log: EvalLog) -> EvalLog:
    """The log as written, samples and all (the header if the file cannot be read)."""
    from ..log import read_eval_log

    if not log.location:
        return log
    try:
        full = read_eval_log(str(log.location))
    except (OSError, ValueError):
        return log
    full.location = log.location
    return full
