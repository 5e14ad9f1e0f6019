"""`system_message`: add a system message, rendered per sample."""

from __future__ import annotations

from typing import Any

from ...model._chat import ChatMessageSystem
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._vars import load_template, render_template, template_variables


@solver(template_args=("template",))
def system_message(template: str, **params: Any) -> Solver:
    """Insert a system message after the system messages that open the conversation.

    `template` is a file name or the text; `params` are extra template variables.
    """
    source = load_template(template)

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        text = render_template(source, template_variables(state, **params)).strip()
        position = 0
        while position < len(state.messages) and isinstance(
            state.messages[position], ChatMessageSystem
        ):
            position += 1
        state.messages.insert(position, ChatMessageSystem(content=text))
        return state

    return solve
