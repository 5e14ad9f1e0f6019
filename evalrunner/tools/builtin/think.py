"""`think`: a scratchpad tool that lets the model reason between tool calls."""

from __future__ import annotations

from typing import Any

from .._decorator import tool

_DESCRIPTION = (
    "Use the tool to think about something. It will not obtain new information or change "
    "anything, but just append the thought to the log. Use it when complex reasoning or some "
    "cache memory is needed."
)


@tool
def think(description: str = _DESCRIPTION, thought_description: str = "A thought to think about."
          ) -> Any:
    """A tool whose only effect is to record the model's thought."""

    async def execute(thought: str) -> str:
        return ""

    execute.__doc__ = f"{description}\n\nArgs:\n    thought: {thought_description}"
    return execute
