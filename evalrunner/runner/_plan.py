"""A run's plan: every task on each of its models, built once before the first model call.

The preflight (`check_run`) builds each (task, model) with `build_task` and opens each
task's dataset; the run then uses exactly those parts, so a task's components, templates
and dataset are made and read once per run, and what `validate` checks is what runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..dataset import Dataset
from ..log._model import EvalSample, ModelCallStats
from ..suite._model import SpecError, TaskDef
from ._build import TaskParts
from ._models import task_runs
from ._options import RunOptions


@dataclass
class TaskRun:
    """One task on one model. `parts` and `dataset` are the preflight's; when absent (an
    eval set's retry round, with fewer connections) the run's setup builds them.

    A run that finishes an earlier log (`retry`, an eval set resuming) also has the
    (sample id, epoch) pairs done (`skip`), those samples (`carry`), the earlier call
    counts (`prior`), and `release` for the lock it holds on that log.
    """

    task: TaskDef
    options: RunOptions
    parts: TaskParts | None = None
    dataset: Dataset | None = None
    skip: set[tuple[str, int]] | None = None
    carry: Iterable[EvalSample] | None = None
    prior: dict[str, ModelCallStats] | None = None
    release: Callable[[], None] | None = None


@dataclass
class RunPlan:
    """What a run will do, checked: its task runs (in run order) and the warnings."""

    runs: list[TaskRun]
    warnings: list[SpecError] = field(default_factory=list)

    @property
    def tasks(self) -> list[TaskDef]:
        """The tasks, each once, in order (a task on two models is one task)."""
        seen: dict[int, TaskDef] = {}
        for run in self.runs:
            seen.setdefault(id(run.task), run.task)
        return list(seen.values())


def as_runs(tasks: RunPlan | Sequence[TaskDef] | Sequence[TaskRun],
            options: RunOptions) -> list[TaskRun]:
    """Task runs of a plan as they are; of bare tasks, one per model (built at setup)."""
    if isinstance(tasks, RunPlan):
        return list(tasks.runs)
    items = list(tasks)
    if all(isinstance(item, TaskRun) for item in items):
        return [item for item in items if isinstance(item, TaskRun)]
    defs = [item for item in items if isinstance(item, TaskDef)]
    return [TaskRun(task, own) for task, own in task_runs(defs, options)]
