"""`await fork(state, solvers)`: Inspect's fork for Python solvers and agents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from ._solver import Solver
from ._task_state import TaskState


@overload
async def fork(state: TaskState, solvers: Solver) -> TaskState: ...
@overload
async def fork(state: TaskState, solvers: Sequence[Solver]) -> list[TaskState]: ...
async def fork(
    state: TaskState, solvers: Solver | Sequence[Solver]
) -> TaskState | list[TaskState]:
    """Run each solver on its own deep copy of `state`, concurrently, with the task's
    generate; returns the resulting state (one solver) or states (a list, in order).

    `state` itself is unchanged. (In a suite, the `fork` solver does this as a plan step.)
    """
    from ..runner._generate import task_generate
    from .builtin.fork import fork_state

    if callable(solvers):
        [one] = await fork_state(state, [solvers], task_generate)
        return one
    return await fork_state(state, list(solvers), task_generate)
