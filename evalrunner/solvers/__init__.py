"""Solvers: the steps of a plan. The built-in ones (`generate`, `system_message`, ...) are
importable from here too, as from Inspect's `inspect_ai.solver`."""

from typing import Any

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


def __getattr__(name: str) -> Any:
    """A built-in solver by name, made through the registry (the one place names resolve)."""
    from ..registry import UnknownNameError, resolve

    if not name.startswith("_"):
        try:
            return resolve("solver", name).obj
        except UnknownNameError:
            pass
    raise AttributeError(f"module 'evalrunner.solvers' has no attribute {name!r}")
