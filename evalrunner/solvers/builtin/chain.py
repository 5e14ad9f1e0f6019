"""`chain`: several solvers as one step."""

from __future__ import annotations

from typing import Any

from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._entries import make_solvers


@solver(component_args={"solvers": "solver"})
def chain(*solvers: Any) -> Solver:
    """Run `solvers` in turn (solvers, entries, or lists of them); stop early once completed.

    Useful where one step is expected: `fork` branches, `basic_agent`'s `init`, `finish`.
    """
    steps = make_solvers(list(solvers))

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        for step in steps:
            state = await step(state, generate)
            if state.completed:
                break
        return state

    return solve
