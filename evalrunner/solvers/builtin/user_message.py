"""`user_message`: append a user message, rendered per sample."""

from __future__ import annotations

from typing import Any

from ...model._chat import ChatMessageUser
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._vars import load_template, render_template, template_variables


@solver(template_args=("template",))
def user_message(template: str, **params: Any) -> Solver:
    """Append a user message; `params` are extra template variables."""
    source = load_template(template)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        text = render_template(source, template_variables(state, **params)).strip()
        state.messages.append(ChatMessageUser(content=text))
        return state

    return solve
