"""`prompt_template`: rewrite the user prompt through a template."""

from __future__ import annotations

from typing import Any

from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._vars import load_template, rewrite_prompt


@solver(template_args=("template",))
def prompt_template(template: str, **params: Any) -> Solver:
    """Replace the user prompt with `template` rendered; `{{ prompt }}` is the prompt it replaces.

    `params` are extra template variables. A conversation without a user message is left as is.
    """
    source = load_template(template)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        rewrite_prompt(state, source, params)
        return state

    return solve
