"""The one session that runs plans: display, hooks, GC tuning, closing models.

`run`, `eval()`, eval sets, `retry`/`eval_retry`, the Ray driver and `score` all run
inside `session`, and every task run goes through `run_all`: hooks are loaded and fired
the same way whatever the entry point, and models are closed once, at the end.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from .._util.gc import tuned_for_run
from ..hooks._hooks import HookSet, RunEnd, RunHooks, RunStart, active_hooks, emit, load_hooks
from ..log._model import EvalLog, EvalSample
from ..model._get import close_models
from ..model._model import Model
from ..suite._model import TaskDef
from ._options import RunOptions
from ._plan import TaskRun
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


@asynccontextmanager
async def session(
    names: Sequence[str],
    display: TaskDisplay | None = None,
    ended: list[EvalLog] | None = None,
    *,
    hooks: bool = True,
) -> AsyncIterator[Recording]:
    """Run the block as one run: hooks told of its start and end (`hooks=False`: none, as
    for `score`, which runs no task), collection tuned, every model closed at the end.

    Yields the display to give each task; `ended` receives each task's log as it ends
    (after Ctrl-C, it still holds the cancelled tasks' logs for the reports).
    """
    logs_ended: list[EvalLog] = ended if ended is not None else []
    shown = Recording(display or TaskDisplay(), logs_ended)
    loaded = await asyncio.to_thread(load_hooks) if hooks else HookSet()
    token = active_hooks.set(RunHooks(uuid.uuid4().hex[:16], loaded))
    failure: BaseException | None = None
    try:
        await emit("on_run_start", RunStart, list(names))
        with tuned_for_run():
            yield shown
    except BaseException as ex:
        failure = ex
        raise
    finally:
        try:
            await asyncio.shield(emit("on_run_end", RunEnd, list(logs_ended), failure))
        finally:
            active_hooks.reset(token)
            await close_models()


async def run_all(
    runs: Sequence[TaskRun],
    max_tasks: int,
    display: TaskDisplay,
    source_for: Callable[[TaskDef, RunOptions], SampleSource] | None = None,
) -> list[EvalLog]:
    """Run task runs, up to `max_tasks` at once; their logs, in order.

    `source_for` gives each run the source of its samples when they run elsewhere (the
    Ray executor); by default they run here.
    """
    gate = asyncio.Semaphore(max(1, max_tasks))

    async def one(planned: TaskRun) -> EvalLog:
        task, own = planned.task, planned.options
        try:
            async with gate:
                source = source_for(task, own) if source_for is not None else None
                return await run_task(
                    task, own, display, skip=planned.skip, carry=planned.carry,
                    prior=planned.prior, source=source, parts=planned.parts,
                    dataset=planned.dataset,
                )
        finally:
            if planned.release is not None:
                planned.release()

    # Every run is awaited to its end, cancelled ones too: without return_exceptions the
    # first run cancelled (one still waiting for its turn) would end the gather at once,
    # and the run still closing its log would be cancelled again, its end never reported.
    results = await asyncio.gather(*(one(r) for r in runs), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if isinstance(result, EvalLog)]
