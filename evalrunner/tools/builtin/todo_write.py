"""`todo_write`: the model keeps a task list (as Claude Code does); the list is the store's
`todos`, each item `{content, status}`, shown as a checklist in the log viewer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .._decorator import tool
from ._plan_state import Status, checklist_viewer, save_steps


class TodoItem(BaseModel):
    content: str = Field(description="The step, in a few words.")
    status: Status = Field(description="pending, in_progress or completed.")


@tool
def todo_write(key: str = "todos") -> Any:
    """A tool that keeps the model's task list in the sample's store (under `key`)."""

    async def execute(todos: list[TodoItem], explanation: str | None = None) -> str:
        """Write the task list: every item, with its status.

        Use it for work of several steps: list them, mark one in_progress before starting
        it and completed as soon as it is done; remove steps that no longer apply. Exactly
        one step is in_progress at a time. Do not repeat the list in your reply.

        Args:
            todos: The whole list, in order.
            explanation: Why the list changed, when it changed a lot.
        """
        return save_steps(key, [t.model_dump() for t in todos], "content", explanation)

    execute.viewer = checklist_viewer("todos", "content")  # type: ignore[attr-defined]
    return execute
