"""Running checked tasks at once, up to a limit: what `run` and `eval()` end in."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence

from .._util.gc import tuned_for_run
from ..hooks._hooks import RunEnd, RunHooks, RunStart, active_hooks, emit, load_hooks
from ..log._model import EvalLog, EvalSample
from ..model._get import close_models
from ..model._model import Model
from ..suite._model import TaskDef
from ._models import task_runs
from ._options import RunOptions
from ._task import SampleSource, TaskDisplay, run_task


class Recording(TaskDisplay):
    """Passes every event on and keeps each ended task's log, cancelled ones too."""

    def __init__(self, inner: TaskDisplay, ended: list[EvalLog]) -> None:
        self.inner = inner
        self.ended = ended

    def task_models(self, log: EvalLog, models: list[Model]) -> None:
        self.inner.task_models(log, models)

    def task_start(self, log: EvalLog, total: int | None) -> None:
        self.inner.task_start(log, total)

    def sample_done(self, log: EvalLog, sample: EvalSample) -> None:
        self.inner.sample_done(log, sample)

    def task_end(self, log: EvalLog) -> None:
        self.ended.append(log)
        self.inner.task_end(log)


async def eval_tasks_async(
    tasks: Sequence[TaskDef],
    options: RunOptions,
    display: TaskDisplay | None = None,
    ended: list[EvalLog] | None = None,
    source_for: Callable[[TaskDef, RunOptions], SampleSource] | None = None,
) -> list[EvalLog]:
    """Run tasks (up to `options.max_tasks` at once), each once per model, and return
    their log headers (task by task, in model order).

    `source_for` gives each task and model run the source of its samples when they run
    elsewhere (the Ray executor); by default they run here.
    `ended` receives each task's log as the task ends: after Ctrl-C, when nothing is
    returned, it still holds the cancelled tasks' logs for the reports.
    """
    gate = asyncio.Semaphore(max(1, options.max_tasks))
    shown = display or TaskDisplay()
    logs_ended: list[EvalLog] = ended if ended is not None else []
    shown = Recording(shown, logs_ended)

    runs = task_runs(tasks, options)

    async def one(task: TaskDef, own: RunOptions) -> EvalLog:
        async with gate:
            source = source_for(task, own) if source_for is not None else None
            return await run_task(task, own, shown, source=source)

    run = RunHooks(uuid.uuid4().hex[:16], await asyncio.to_thread(load_hooks))
    token = active_hooks.set(run)
    failure: BaseException | None = None
    try:
        await emit("on_run_start", RunStart, [t.name for t in tasks])
        with tuned_for_run():
            return list(await asyncio.gather(*(one(t, o) for t, o in runs)))
    except BaseException as ex:
        failure = ex
        raise
    finally:
        try:
            await asyncio.shield(
                emit("on_run_end", RunEnd, list(logs_ended), failure)
            )
        finally:
            active_hooks.reset(token)
            await close_models()

