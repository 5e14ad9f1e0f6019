"""The tool protocol and how tool calls are executed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from jsonschema import Draft202012Validator

from ..events._limits import LimitExceededError, UnpricedModelError, check_limits
from ..events._model import ToolEvent
from ..events._transcript import preview, record
from ..model._chat import (
    ChatMessageAssistant,
    ChatMessageTool,
    Content,
    ContentImage,
    ContentText,
    ToolCall,
)
from ._approval import approve
from ._info import ToolInfo
from ._viewer import call_view


@runtime_checkable
class Tool(Protocol):
    """Something a model can call: its description and an async function."""

    info: ToolInfo

    def __call__(self, **arguments: Any) -> Awaitable[Any]: ...


class ToolError(Exception):
    """An error to report back to the model (the sample goes on)."""


ToolExecutor = Callable[
    [ChatMessageAssistant, list[Any], int | None], Awaitable[list[ChatMessageTool]]
]


async def execute_tools(
    message: ChatMessageAssistant, tools: list[Any], max_output: int | None = None
) -> list[ChatMessageTool]:
    """Run the message's tool calls concurrently; errors become tool messages, not crashes.

    Calls of a tool made with `parallel=False` wait for each other, in the order the model
    gave them (one lock per such tool, for this message only).
    """
    by_name = {tool.info.name: tool for tool in tools}
    calls = message.tool_calls or []
    locks = {name: asyncio.Lock() for name, tool in by_name.items()
             if getattr(tool, "parallel", True) is False}
    results = await asyncio.gather(*(_call_in_turn(call, by_name, max_output, locks)
                                     for call in calls))
    return list(results)


async def _call_in_turn(call: ToolCall, tools: dict[str, Any], max_output: int | None,
                        locks: dict[str, asyncio.Lock]) -> ChatMessageTool:
    # asyncio.Lock wakes its waiters first in, first out: calls keep the model's order.
    lock = locks.get(call.function)
    if lock is None:
        return await _call_one(call, tools, max_output)
    async with lock:
        return await _call_one(call, tools, max_output)


async def _call_one(
    call: ToolCall, tools: dict[str, Any], max_output: int | None
) -> ChatMessageTool:
    check_limits(working_only=True)
    started = time.monotonic()
    call, refusal = await approve(call)
    tool = tools.get(call.function)
    view = call_view(tool, call) if tool is not None else None
    error: str | None = None
    content = ""
    images: list[Content] = []
    if refusal is not None:
        error = refusal
    elif call.parse_error:
        error = f"could not parse the arguments: {call.parse_error}"
    elif tool is None:
        error = f"no tool named '{call.function}' (available: {', '.join(tools) or 'none'})"
    else:
        try:
            content, images = _as_content(await tool(**_arguments(tool, call.arguments)))
        except (LimitExceededError, UnpricedModelError):
            raise  # a limit reached (or unusable) inside a tool's sub-agent ends the sample
        except (ToolError, TypeError, ValueError) as ex:
            error = str(ex)
        except Exception as ex:  # a tool's failure is the model's information, not a crash
            error = f"{type(ex).__name__}: {ex}"
    if max_output is not None and len(content) > max_output:
        content = content[:max_output] + f"\n[output truncated to {max_output} characters]"
    shown = " ".join([content] * bool(content) + ["[image]"] * len(images))
    record(ToolEvent(id=call.id, function=call.function, arguments=call.arguments,
                     result=preview(shown), error=error,
                     time=round(time.monotonic() - started, 6),
                     view=view.model_dump(exclude_none=True) if view is not None else None))
    # A result with images (a screenshot) keeps them after its text, for the model to see.
    parts: str | list[Content] = (
        [*([ContentText(text=content)] if content else []), *images]
        if images and not error else error or content)
    return ChatMessageTool(
        content=parts, tool_call_id=call.id, function=call.function, error=error
    )


def _arguments(tool: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """The model's arguments, checked against the tool's schema, plus the sample params.

    A bad argument becomes a ToolError the model can read and correct, before the tool runs.
    """
    problems = check_arguments(tool.info.parameters, arguments)
    if problems:
        raise ToolError(f"invalid arguments for '{tool.info.name}': {'; '.join(problems)}")
    convert = getattr(tool, "convert_arguments", None)  # set by @tool
    filled = convert(arguments) if convert is not None else dict(arguments)
    for param, source in (getattr(tool, "sample_params", None) or {}).items():
        filled[param] = sample_value(source)
    return filled


def check_arguments(schema: dict[str, Any], arguments: dict[str, Any]) -> list[str]:
    """What is wrong with `arguments` for a JSON-schema object `schema` (unknown names too)."""
    strict = {"additionalProperties": False, **schema}
    validator = Draft202012Validator(strict)
    problems = []
    for error in sorted(validator.iter_errors(arguments), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.path)
        problems.append(f"{where}: {error.message}" if where else error.message)
    return problems


def sample_value(source: str) -> Any:
    """A value of the current sample: `metadata.key` or `store.key` (for tool params)."""
    from ..solvers._store import current_state

    state = current_state()
    scope, _, key = source.partition(".")
    if state is None or scope not in ("metadata", "store") or not key:
        raise ToolError(f"cannot fill a tool parameter from '{source}'")
    values = state.metadata if scope == "metadata" else state.store
    if key not in values:
        raise ToolError(f"the sample has no {scope} value '{key}'")
    return values[key]


def _as_content(value: Any) -> tuple[str, list[Content]]:
    """A tool's result as text and images: a list of content parts (or one part) keeps its
    images; anything else is text."""
    if isinstance(value, ContentImage | ContentText):
        value = [value]
    if isinstance(value, list) and value and all(
            isinstance(p, ContentImage | ContentText) for p in value):
        text = "\n".join(p.text for p in value if isinstance(p, ContentText))
        return text, [p for p in value if isinstance(p, ContentImage)]
    return _as_text(value), []


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except TypeError:
        return str(value)
