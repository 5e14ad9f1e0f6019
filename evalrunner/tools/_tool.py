"""The tool protocol and how tool calls are executed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from ..model._chat import ChatMessageAssistant, ChatMessageTool, ToolCall
from ._info import ToolInfo


@runtime_checkable
class Tool(Protocol):
    """Something a model can call: its description and an async function."""

    info: ToolInfo

    def __call__(self, **arguments: Any) -> Awaitable[Any]: ...


class ToolError(Exception):
    """An error to report back to the model (the sample goes on)."""


ToolExecutor = Callable[[ChatMessageAssistant, list[Any], int | None], Awaitable[list[ChatMessageTool]]]


async def execute_tools(
    message: ChatMessageAssistant, tools: list[Any], max_output: int | None = None
) -> list[ChatMessageTool]:
    """Run the message's tool calls concurrently; errors become tool messages, not crashes."""
    by_name = {tool.info.name: tool for tool in tools}
    calls = message.tool_calls or []
    results = await asyncio.gather(*(_call_one(call, by_name, max_output) for call in calls))
    return list(results)


async def _call_one(call: ToolCall, tools: dict[str, Any], max_output: int | None) -> ChatMessageTool:
    tool = tools.get(call.function)
    error: str | None = None
    content = ""
    if call.parse_error:
        error = f"could not parse the arguments: {call.parse_error}"
    elif tool is None:
        error = f"no tool named '{call.function}' (available: {', '.join(tools) or 'none'})"
    else:
        try:
            content = _as_text(await tool(**call.arguments))
        except (ToolError, TypeError, ValueError) as ex:
            error = str(ex)
        except Exception as ex:  # a tool's failure is the model's information, not a crash
            error = f"{type(ex).__name__}: {ex}"
    if max_output is not None and len(content) > max_output:
        content = content[:max_output] + f"\n[output truncated to {max_output} characters]"
    return ChatMessageTool(
        content=error or content, tool_call_id=call.id, function=call.function, error=error
    )


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except TypeError:
        return str(value)
