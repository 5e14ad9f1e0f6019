"""OpenAI's Responses API wire format (`POST /responses`): bodies out, ModelOutput in.

Requests are stateless (`store: false`): the whole conversation goes as input items each
time, and reasoning comes back encrypted (`include: ["reasoning.encrypted_content"]`) so
it can be sent back with the tool calls it led to. A reasoning item keeps its summary as
the reasoning text and `{"id", "encrypted_content"}` as JSON in its signature.
"""

from __future__ import annotations

import json
from typing import Any

from ...tools._info import ToolChoice, ToolFunction, ToolInfo
from .._api import ModelAPIError
from .._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageTool,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ToolCall,
    assistant_content,
)
from .._config import GenerateConfig
from .._output import ChatCompletionChoice, ModelOutput, ModelUsage, StopReason
from . import _openai_computer as computer

_CONFIG_FIELDS = (("temperature", "temperature"), ("top_p", "top_p"),
                  ("top_logprobs", "top_logprobs"))
_INCOMPLETE: dict[str, StopReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}


def build_responses_request(
    model: str,
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
) -> dict[str, Any]:
    """The JSON body of a Responses request; unset options are left out."""
    body: dict[str, Any] = {"model": model, "input": wire_items(messages), "store": False}
    wire_tools = [_tool(t, model) for t in tools]
    if any(t["type"] == "computer_use_preview" for t in wire_tools):
        body["truncation"] = "auto"  # the computer-use models require it
    for field, wire_name in _CONFIG_FIELDS:
        value = getattr(config, field)
        if value is not None:
            body[wire_name] = value
    if config.max_tokens is not None:
        body["max_output_tokens"] = config.max_tokens
    reasoning: dict[str, Any] = {}
    if config.reasoning_effort is not None:
        reasoning["effort"] = config.reasoning_effort
    if config.reasoning_summary not in (None, "none"):
        reasoning["summary"] = config.reasoning_summary
    if reasoning:
        body["reasoning"] = reasoning
        body["include"] = ["reasoning.encrypted_content"]
    if wire_tools:
        body["tools"] = wire_tools
        if tool_choice is not None:
            body["tool_choice"] = _tool_choice(tool_choice)
        if config.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = config.parallel_tool_calls
    return body


def wire_items(messages: list[ChatMessageBase]) -> list[dict[str, Any]]:
    """The conversation as Responses input items."""
    items: list[dict[str, Any]] = []
    computer_calls: dict[str, dict[str, Any]] = {}  # computer_call items by call id
    for n, message in enumerate(messages):
        role: str = message.role  # type: ignore[attr-defined]
        called = computer_calls.get(message.tool_call_id or "") if isinstance(
            message, ChatMessageTool) else None
        if called is not None:
            items.extend(computer.output_item(message, messages[:n], called))  # type: ignore[arg-type]
        elif isinstance(message, ChatMessageTool):
            text = message.text or (f"Error: {message.error}" if message.error else "")
            output: str | list[dict[str, Any]] = text
            if not isinstance(message.content, str) and any(
                    isinstance(p, ContentImage) for p in message.content):
                output = _user_content(message)  # input_text and input_image parts
            items.append({"type": "function_call_output",
                          "call_id": message.tool_call_id or "", "output": output})
        elif isinstance(message, ChatMessageAssistant):
            items.extend(_assistant_items(message))
            computer_calls.update({c.id: item for c in message.tool_calls or []
                                   if (item := computer.call_item(c)) is not None})
        elif role == "system":
            items.append({"role": "developer", "content": message.text})
        else:
            items.append({"role": "user", "content": _user_content(message)})
    return items


def _user_content(message: ChatMessageBase) -> str | list[dict[str, Any]]:
    if isinstance(message.content, str):
        return message.content
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, ContentText):
            parts.append({"type": "input_text", "text": part.text})
        elif isinstance(part, ContentImage):
            parts.append({"type": "input_image", "image_url": part.image, "detail": part.detail})
        elif isinstance(part, ContentAudio):
            raise ModelAPIError("OpenAI's Responses API does not accept audio input: use "
                                "-M responses_api=false for Chat Completions")
    return parts


def _assistant_items(message: ChatMessageAssistant) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    parts = [] if isinstance(message.content, str) else message.content
    for part in parts:
        if isinstance(part, ContentReasoning):
            reasoning = _reasoning_item(part)
            if reasoning is not None:
                items.append(reasoning)
    if message.text:
        items.append({"type": "message", "role": "assistant",
                      "content": [{"type": "output_text", "text": message.text}]})
    for call in message.tool_calls or []:
        item = computer.call_item(call)
        if item is not None:  # OpenAI's computer_call, sent back as it came
            items.append(item)
            continue
        items.append({"type": "function_call", "call_id": call.id, "name": call.function,
                      "arguments": json.dumps(call.arguments)})
    return items


def _reasoning_item(part: ContentReasoning) -> dict[str, Any] | None:
    """Reasoning from a Responses reply goes back as its item; any other is not sendable."""
    try:
        saved = json.loads(part.signature or "")
    except ValueError:
        return None
    # Without its encrypted content a stateless request cannot send reasoning back.
    if not isinstance(saved, dict) or not saved.get("id") or not saved.get("encrypted_content"):
        return None
    summary = [{"type": "summary_text", "text": part.reasoning}] if part.reasoning else []
    return {"type": "reasoning", "id": saved["id"], "summary": summary,
            "encrypted_content": saved["encrypted_content"]}


# OpenAI's own tools, by the name evalrunner's tool has: their type and default options.
_NATIVE_TOOLS: dict[str, tuple[str, dict[str, Any]]] = {
    "web_search": ("web_search", {}),
    "code_execution": ("code_interpreter", {"container": {"type": "auto"}}),
    "computer": ("computer_use_preview", {}),
}


def _native(tool: ToolInfo, model: str) -> dict[str, Any] | None:
    """OpenAI's own version of the tool for this model, if it has one."""
    if tool.name == "computer" and not computer.is_native(model):
        return None
    native: dict[str, Any] | None = (tool.native or {}).get("openai")
    return native


def _tool(tool: ToolInfo, model: str) -> dict[str, Any]:
    native = _native(tool, model)
    if native is not None:  # OpenAI's own tool (web search, code interpreter), run by the API
        kind, defaults = _NATIVE_TOOLS.get(tool.name, (tool.name, {}))
        return {"type": kind, **defaults, **native}
    return {"type": "function", "name": tool.name, "description": tool.description,
            "parameters": tool.parameters}


def uses_native_tools(tools: list[ToolInfo], model: str) -> bool:
    """Whether a request offers one of OpenAI's own tools (only Responses has them)."""
    return any(_native(t, model) is not None for t in tools)


def _tool_choice(choice: ToolChoice) -> str | dict[str, Any]:
    if isinstance(choice, ToolFunction):
        return {"type": "function", "name": choice.name}
    return "required" if choice == "any" else choice


def parse_responses_response(data: dict[str, Any], model: str) -> ModelOutput:
    """A ModelOutput from a Responses reply (already decoded from JSON)."""
    if data.get("status") == "failed" or data.get("error"):
        error = data.get("error") or {}
        raise ModelAPIError(f"OpenAI returned a failed response: {error.get('message') or data}")
    texts: list[str] = []
    calls: list[ToolCall] = []
    reasoning: list[ContentReasoning] = []
    for item in data.get("output") or ():
        kind = item.get("type")
        if kind == "message":
            texts.extend(str(c.get("text") or "") for c in item.get("content") or ()
                         if c.get("type") == "output_text")
        elif kind == "function_call":
            calls.append(_tool_call(item))
        elif kind == "computer_call":
            calls.append(computer.tool_call(item))
        elif kind == "reasoning":
            summary = "\n\n".join(str(s.get("text") or "") for s in item.get("summary") or ())
            saved = {"id": item.get("id"), "encrypted_content": item.get("encrypted_content")}
            reasoning.append(ContentReasoning(reasoning=summary, signature=json.dumps(saved)))
    message = ChatMessageAssistant(content=assistant_content("".join(texts), reasoning),
                                   source="generate", tool_calls=calls or None)
    return ModelOutput(
        model=data.get("model") or model,
        choices=[ChatCompletionChoice(message=message, stop_reason=_stop_reason(data, calls))],
        usage=_usage(data.get("usage")),
    )


def _tool_call(item: dict[str, Any]) -> ToolCall:
    raw = item.get("arguments") or "{}"
    try:
        arguments = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as ex:
        return ToolCall(id=str(item.get("call_id") or ""), function=str(item.get("name") or ""),
                        arguments={}, parse_error=f"invalid JSON in the arguments ({ex}): {raw}")
    return ToolCall.decoded(str(item.get("call_id") or ""), str(item.get("name") or ""),
                            arguments)


def _stop_reason(data: dict[str, Any], calls: list[ToolCall]) -> StopReason:
    if data.get("status") == "incomplete":
        reason = (data.get("incomplete_details") or {}).get("reason") or ""
        return _INCOMPLETE.get(reason, "unknown")
    return "tool_calls" if calls else "stop"


def _usage(usage: Any) -> ModelUsage | None:
    if not isinstance(usage, dict):
        return None
    input_tokens = int(usage.get("input_tokens") or 0)
    output_tokens = int(usage.get("output_tokens") or 0)
    return ModelUsage(input_tokens=input_tokens, output_tokens=output_tokens,
                      total_tokens=int(usage.get("total_tokens") or input_tokens + output_tokens))
