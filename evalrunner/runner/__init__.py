"""The executor: tasks run as streams of samples through plans, into logs."""

from ._eval import eval, eval_tasks_async
from ._options import RunOptions, parse_limit
from ._task import TaskDisplay, run_task

__all__ = ["RunOptions", "TaskDisplay", "eval", "eval_tasks_async", "parse_limit", "run_task"]
