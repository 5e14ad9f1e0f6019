"""Solvers: the steps of a plan."""

from ._scoring import score
from ._solver import Generate, Solver, ToolCalls, solver
from ._store import Store, store
from ._task_state import Choice, Target, TaskState

__all__ = [
    "Choice", "Generate", "Solver", "Store", "Target", "TaskState", "ToolCalls", "score",
    "solver", "store",
]
