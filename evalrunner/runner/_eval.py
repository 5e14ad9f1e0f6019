"""Running checked tasks at once, up to a limit: what `run` and `eval()` end in."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..log._model import EvalLog
from ..suite._model import TaskDef
from ._options import RunOptions
from ._plan import RunPlan, as_runs
from ._session import Recording, run_all, session
from ._task import SampleSource, TaskDisplay

__all__ = ["Recording", "eval_tasks_async"]


async def eval_tasks_async(
    tasks: RunPlan | Sequence[TaskDef],
    options: RunOptions,
    display: TaskDisplay | None = None,
    ended: list[EvalLog] | None = None,
    source_for: Callable[[TaskDef, RunOptions], SampleSource] | None = None,
) -> list[EvalLog]:
    """Run tasks (up to `options.max_tasks` at once), each once per model, and return
    their log headers (task by task, in model order). A `RunPlan`'s tasks run on the
    parts its preflight built; bare tasks are built at setup.

    `source_for` gives each task and model run the source of its samples when they run
    elsewhere (the Ray executor); by default they run here.
    `ended` receives each task's log as the task ends: after Ctrl-C, when nothing is
    returned, it still holds the cancelled tasks' logs for the reports.
    """
    runs = as_runs(tasks, options)
    names = [t.name for t in (tasks.tasks if isinstance(tasks, RunPlan) else tasks)]
    async with session(names, display, ended) as shown:
        return await run_all(runs, options.max_tasks, shown, source_for)
