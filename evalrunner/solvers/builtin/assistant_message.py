"""`assistant_message`: append an assistant message, rendered per sample."""

from __future__ import annotations

from typing import Any

from ...model._chat import ChatMessageAssistant
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._vars import load_template, render_template, template_variables


@solver(template_args=("template",))
def assistant_message(template: str, **params: Any) -> Solver:
    """Append an assistant message (a prefilled turn); `params` are extra template variables."""
    source = load_template(template)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        text = render_template(source, template_variables(state, **params)).strip()
        state.messages.append(ChatMessageAssistant(content=text))
        return state

    return solve
