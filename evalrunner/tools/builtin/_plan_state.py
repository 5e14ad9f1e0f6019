"""What `todo_write` and `update_plan` share: steps kept in the sample's store, shown as a
checklist by their viewer (in the log viewer's transcript)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from ...model._chat import ToolCall
from ...solvers._store import store
from .._tool import ToolError
from .._viewer import ToolCallContent, ToolCallView

Status = Literal["pending", "in_progress", "completed"]
_BOX = {"pending": "[ ]", "in_progress": "[ ]", "completed": "[x]"}


class PlanStep(BaseModel):
    step: str = Field(description="What to do, in a few words.")
    status: Status = Field(description="pending, in_progress or completed.")


def save_steps(key: str, steps: list[dict[str, str]], text: str, explanation: str | None
               ) -> str:
    """Keep `steps` (each with `text` and `status`) under `key` in the store, replacing the
    list; the summary the model is told."""
    active = [s[text] for s in steps if s["status"] == "in_progress"]
    if len(active) > 1:
        raise ToolError(f"only one step can be in_progress at a time, not {len(active)}: "
                        + "; ".join(active))
    store().set(key, steps)
    if explanation:
        store().set(f"{key}_explanation", explanation)
    done = sum(s["status"] == "completed" for s in steps)
    return f"Plan updated: {done} of {len(steps)} steps completed."


def checklist_viewer(field: str, text: str) -> Callable[[ToolCall], ToolCallView]:
    """A viewer showing the call's steps (`field`, each with `text` and `status`) as a list."""

    def viewer(call: ToolCall) -> ToolCallView:
        lines = [_line(item, text) for item in call.arguments.get(field) or []
                 if isinstance(item, dict)]
        why = call.arguments.get("explanation")
        body = "\n".join([*([str(why), ""] if why else []), *lines])
        return ToolCallView(call=ToolCallContent(title="Plan", format="markdown", content=body))

    return viewer


def _line(item: dict[str, Any], text: str) -> str:
    status = str(item.get("status", "pending"))
    words = str(item.get(text, ""))
    shown = f"**{words}** (in progress)" if status == "in_progress" else words
    return f"- {_BOX.get(status, '[ ]')} {shown}"
