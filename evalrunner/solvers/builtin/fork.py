"""`fork`: run several solvers on independent copies of the state, at the same time."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from ...model._output import ModelUsage
from .._solver import Generate, Solver, solver
from .._store import sample_scope
from .._task_state import TaskState
from ._entries import make_solvers


@solver(component_args={"branches": "solver"})
def fork(branches: Any, keep: int | None = None, store_as: str = "fork") -> Solver:
    """Run each branch on its own copy of the state (its own messages and store), concurrently.

    Each branch's final completion is recorded in the store under `store_as` (a list, in
    branch order). With `keep: i` the sample continues from branch i's state (its messages,
    output and store); otherwise the state goes on unchanged apart from that store entry.
    For a branch of several steps use `chain`.
    """
    solvers = make_solvers(branches)
    if not solvers:
        raise ValueError("fork needs at least one branch")
    if keep is not None and not 0 <= keep < len(solvers):
        raise ValueError(f"keep must name a branch: 0 to {len(solvers) - 1}")

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        before = state.token_usage
        results = await fork_state(state, solvers, generate)
        if keep is not None:
            _adopt(state, results[keep])
        # Every branch's tokens count towards the sample's usage (and its token limit).
        spent = before
        for branch in results:
            spent = spent + _difference(branch.token_usage, before)
        state.token_usage = spent
        state.store[store_as] = [branch.output.completion for branch in results]
        return state

    return solve


async def fork_state(state: TaskState, solvers: list[Solver], generate: Generate
                     ) -> list[TaskState]:
    """The states that `solvers` make, each from its own deep copy of `state`."""

    async def run(solve: Solver, own: TaskState) -> TaskState:
        with sample_scope(own):  # tools and `store()` inside the branch see the branch
            return await solve(own, generate)

    copies = [copy.deepcopy(state) for _ in solvers]
    return list(await asyncio.gather(*(run(s, c) for s, c in zip(solvers, copies, strict=True))))


def _adopt(state: TaskState, branch: TaskState) -> None:
    state.messages = branch.messages
    state.output = branch.output
    state.choices = branch.choices
    state.tools = branch.tools
    state.tool_choice = branch.tool_choice
    state.store.clear()
    state.store.update(branch.store)
    state.completed = branch._completed


def _difference(after: ModelUsage, before: ModelUsage) -> ModelUsage:
    return ModelUsage(
        input_tokens=after.input_tokens - before.input_tokens,
        output_tokens=after.output_tokens - before.output_tokens,
        total_tokens=after.total_tokens - before.total_tokens,
    )
