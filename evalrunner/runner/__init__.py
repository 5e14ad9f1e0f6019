"""The executor: tasks run as streams of samples through plans, into logs."""

from ._api import eval, eval_set
from ._entry import prepare_run
from ._eval import eval_tasks_async
from ._options import RunOptions, parse_limit
from ._task import TaskDisplay, run_task

__all__ = [
    "RunOptions",
    "TaskDisplay",
    "eval",
    "eval_set",
    "eval_tasks_async",
    "parse_limit",
    "prepare_run",
    "run_task",
]
