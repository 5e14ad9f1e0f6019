"""`chain_of_thought`: ask for step-by-step reasoning, then the answer on its own line."""

from __future__ import annotations

from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._vars import load_template, rewrite_prompt


@solver(template_args=("template",))
def chain_of_thought(template: str | None = None) -> Solver:
    """Rewrite the user prompt to ask for reasoning first and `ANSWER: $ANSWER` last.

    `template` (a file name or the text, with `{{ prompt }}`) replaces the built-in
    `chain_of_thought.j2`.
    """
    source = load_template(template, default="chain_of_thought.j2")

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        rewrite_prompt(state, source, {})
        return state

    return solve
