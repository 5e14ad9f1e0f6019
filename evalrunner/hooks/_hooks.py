"""The hook events, their data, and the set of hooks a run notifies.

Hooks come from the `evalrunner.hooks` entry-point group (each entry point names a
`Hooks` subclass, or a function returning an instance) and from `EVALRUNNER_HOOKS`, a
comma-separated list of `module:Name` or `file.py@Name`. A hook whose `enabled()` is false
is skipped. Events go to every hook in turn; a plain (non-async) method runs in a thread,
so a hook that writes a file never stalls the run. A hook that raises is logged as a
warning, once per hook and event, and the run goes on.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._util.context import ContextField, task_field
from ..dataset._sample import Sample
from ..log._model import EvalLog, EvalSample

logger = logging.getLogger(__name__)

GROUP = "evalrunner.hooks"
ENV = "EVALRUNNER_HOOKS"


@dataclass
class RunStart:
    run_id: str
    tasks: list[str]  # task names, in order


@dataclass
class RunEnd:
    run_id: str
    logs: list[EvalLog]  # the tasks' log headers (samples are in the files)
    error: BaseException | None = None


@dataclass
class TaskStart:
    run_id: str
    log: EvalLog  # the header: what runs, with which model, config and plan


@dataclass
class TaskEnd:
    run_id: str
    log: EvalLog  # the header with status, results and stats; `log.location` is the file


@dataclass
class SampleStart:
    run_id: str
    log: EvalLog
    sample: Sample
    epoch: int


@dataclass
class SampleEnd:
    run_id: str
    log: EvalLog
    sample: EvalSample  # as written to the log: messages, output, scores, error


class Hooks:
    """Override what you need; each method may be `async def` or a plain `def`."""

    def enabled(self) -> bool:
        """False skips this hook for the run (e.g. when its service has no key set)."""
        return True

    async def on_run_start(self, data: RunStart) -> None: ...
    async def on_run_end(self, data: RunEnd) -> None: ...
    async def on_task_start(self, data: TaskStart) -> None: ...
    async def on_task_end(self, data: TaskEnd) -> None: ...
    async def on_sample_start(self, data: SampleStart) -> None: ...
    async def on_sample_end(self, data: SampleEnd) -> None: ...


@dataclass
class HookSet:
    """The hooks of one run; `emit` never raises."""

    hooks: list[Hooks] = field(default_factory=list)
    _failed: set[tuple[int, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.hooks)

    async def emit(self, event: str, data: Any) -> None:
        for hook in self.hooks:
            method = getattr(hook, event, None)
            if method is None:
                continue
            try:
                if inspect.iscoroutinefunction(method):
                    await method(data)
                else:
                    result = await asyncio.to_thread(method, data)
                    if inspect.isawaitable(result):
                        await result
            except Exception as ex:
                self._report(hook, event, ex)

    def _report(self, hook: Hooks, event: str, ex: Exception) -> None:
        key = (id(hook), event)
        if key in self._failed:
            return  # once per hook and event: a broken hook must not flood the log
        self._failed.add(key)
        logger.warning("hook %s failed in %s (the run goes on): %s: %s",
                       type(hook).__name__, event, type(ex).__name__, ex)


@dataclass
class RunHooks:
    """The hooks of the running `eval` and the run's id (what every event carries)."""

    run_id: str
    hooks: HookSet


# Set by the executor for the duration of a run; tasks and samples read it.
active_hooks: ContextField[RunHooks | None] = task_field("hooks")


async def emit(event: str, make: Any, *args: Any) -> None:
    """Tell the active hooks about `event`; its data, `make(run_id, *args)`, is only built
    when some hook will receive it."""
    run = active_hooks.get()
    if run is not None and run.hooks:
        await run.hooks.emit(event, make(run.run_id, *args))


def load_hooks() -> HookSet:
    """The enabled hooks of the installed packages and of EVALRUNNER_HOOKS."""
    from importlib.metadata import entry_points

    found: list[Any] = []
    for ep in entry_points(group=GROUP):
        try:
            found.append(ep.load())
        except Exception as ex:
            logger.warning("hook %s cannot be loaded (skipped): %s: %s", ep.name,
                           type(ex).__name__, ex)
    for ref in filter(None, (r.strip() for r in os.environ.get(ENV, "").split(","))):
        try:
            found.append(_load_reference(ref))
        except Exception as ex:
            logger.warning("hook %s cannot be loaded (skipped): %s: %s", ref,
                           type(ex).__name__, ex)
    hooks: list[Hooks] = []
    for obj in found:
        try:
            hook = obj() if isinstance(obj, type) or callable(obj) else obj
            if hook.enabled():
                hooks.append(hook)
        except Exception as ex:
            logger.warning("hook %r cannot be created (skipped): %s: %s", obj,
                           type(ex).__name__, ex)
    return HookSet(hooks)


def _load_reference(ref: str) -> Any:
    """`module:Name` or `path/to/file.py@Name`."""
    import importlib

    from ..registry import load_python_file

    if "@" in ref:
        file, _, name = ref.rpartition("@")
        return getattr(load_python_file(Path(file)), name)
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)
