"""Solvers: the steps of a plan."""

from ._fork import fork
from ._scoring import score
from ._solver import Generate, Solver, ToolCalls, solver
from ._store import Store, store
from ._store_model import StoreModel
from ._task_state import Choice, Target, TaskState

__all__ = [
    "Choice", "Generate", "Solver", "Store", "StoreModel", "Target", "TaskState", "ToolCalls",
    "fork", "score", "solver", "store",
]
