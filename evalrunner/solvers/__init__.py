"""Solvers: the steps of a plan."""

from ._solver import Generate, Solver, ToolCalls, solver
from ._task_state import Choice, Target, TaskState

__all__ = ["Choice", "Generate", "Solver", "Target", "TaskState", "ToolCalls", "solver"]
