"""The bridge's OpenAI Responses API (`POST /v1/responses`): input items in, output items and
their `response.*` event stream out.

Stateless: every request carries the whole conversation (`previous_response_id` and
`conversation` are refused with 400, as the bridge keeps no responses; the OpenAI Agents
SDK and the Codex CLI send the whole input by default). Reasoning items are dropped.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ...model._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentText,
)
from ...model._output import ModelOutput
from ...tools._info import ToolChoice, ToolFunction, ToolInfo
from ._wire import Parsed, config_of, new_id, sse, tool_call, tool_result

_CONFIG = {"temperature": "temperature", "top_p": "top_p", "max_output_tokens": "max_tokens",
           "parallel_tool_calls": "parallel_tool_calls", "seed": "seed"}


def parse(body: dict[str, Any]) -> Parsed:
    for key in ("previous_response_id", "conversation"):
        if body.get(key):
            raise ValueError(f"{key} is not supported: the bridge keeps no responses "
                             "(send the whole input, with store: false)")
    messages: list[ChatMessageBase] = []
    if body.get("instructions"):
        messages.append(ChatMessageSystem(content=str(body["instructions"])))
    items = body.get("input")
    items = [{"role": "user", "content": items}] if isinstance(items, str) else items or []
    for item in items:
        _add_item(messages, item)
    tools = [ToolInfo(name=t["name"], description=t.get("description") or "",
                      parameters=t.get("parameters") or {"type": "object", "properties": {}})
             for t in body.get("tools") or [] if t.get("type") == "function"]
    config = config_of(body, _CONFIG)
    effort = (body.get("reasoning") or {}).get("effort")
    if effort:
        config.reasoning_effort = effort
    return Parsed(messages, tools, _choice(body.get("tool_choice")), config)


def _choice(raw: Any) -> ToolChoice | None:
    if isinstance(raw, str):
        return "any" if raw == "required" else raw  # type: ignore[return-value]
    if isinstance(raw, dict) and raw.get("name"):
        return ToolFunction(name=raw["name"])
    return None


def _add_item(messages: list[ChatMessageBase], item: dict[str, Any]) -> None:
    kind = item.get("type", "message")
    if kind == "message":
        role, content = item["role"], _content(item.get("content"))
        if role in ("system", "developer"):
            messages.append(ChatMessageSystem(content=_text(content)))
        elif role == "assistant":
            messages.append(ChatMessageAssistant(content=_text(content)))
        else:
            messages.append(ChatMessageUser(content=content))
    elif kind == "function_call":
        call = tool_call(item["call_id"], item["name"], item.get("arguments"))
        last = messages[-1] if messages else None
        # Consecutive calls (and the text before them) are one assistant turn.
        if isinstance(last, ChatMessageAssistant):
            last.tool_calls = [*(last.tool_calls or []), call]
        else:
            messages.append(ChatMessageAssistant(content="", tool_calls=[call]))
    elif kind == "function_call_output":
        output = item.get("output")
        content = _content(output)
        messages.append(ChatMessageTool(
            content=content if isinstance(content, str) else tool_result(content),
            tool_call_id=item["call_id"]))
    elif kind != "reasoning":
        raise ValueError(f"input items of type {kind!r} are not supported by the bridge")


def _content(content: Any) -> str | list[Any]:
    if not isinstance(content, list):
        return "" if content is None else str(content)
    parts: list[Any] = []
    for part in content:
        if part.get("type") in ("input_text", "output_text", "text"):
            parts.append(ContentText(text=part["text"]))
        elif part.get("type") == "input_image" and part.get("image_url"):
            parts.append(ContentImage(image=part["image_url"]))
    return parts


def _text(content: str | list[Any]) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.text for p in content if isinstance(p, ContentText))


def reply(output: ModelOutput, model: str) -> dict[str, Any]:
    """A ModelOutput (its first choice) as a Responses API response object."""
    message = output.message
    items: list[dict[str, Any]] = []
    if message.text:
        items.append({"type": "message", "id": new_id("msg_"), "status": "completed",
                      "role": "assistant", "content": [
                          {"type": "output_text", "text": message.text, "annotations": [],
                           "logprobs": []}]})
    for call in message.tool_calls or []:
        items.append({"type": "function_call", "id": new_id("fc_"), "call_id": call.id,
                      "name": call.function, "arguments": json.dumps(call.arguments),
                      "status": "completed"})
    usage = output.usage
    incomplete = output.stop_reason == "length"
    return {
        "id": new_id("resp_"), "object": "response", "created_at": int(time.time()),
        "status": "incomplete" if incomplete else "completed", "model": model,
        "output": items, "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": None, "metadata": {}, "parallel_tool_calls": True,
        "temperature": None, "top_p": None, "tool_choice": "auto", "tools": [],
        "usage": {"input_tokens": usage.input_tokens if usage else 0,
                  "output_tokens": usage.output_tokens if usage else 0,
                  "total_tokens": usage.total_tokens if usage else 0,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 0}},
    }


def stream(payload: dict[str, Any]) -> bytes:
    """The response as the API streams it: created, then each output item added, its
    text or arguments as one delta, done; then completed (or incomplete)."""
    events: list[tuple[str, dict[str, Any]]] = []
    pending = {**payload, "status": "in_progress", "output": [], "usage": None}
    events += [("response.created", {"response": pending}),
               ("response.in_progress", {"response": pending})]
    for index, item in enumerate(payload["output"]):
        events += _item_events(index, item)
    events.append((f"response.{payload['status']}", {"response": payload}))
    return b"".join(sse(kind, {"type": kind, "sequence_number": n, **data})
                    for n, (kind, data) in enumerate(events))


def _item_events(index: int, item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    where = {"output_index": index, "item_id": item["id"]}
    if item["type"] == "function_call":
        return [("response.output_item.added",
                 {"output_index": index, "item": {**item, "arguments": "",
                                                  "status": "in_progress"}}),
                ("response.function_call_arguments.delta", {**where, "delta": item["arguments"]}),
                ("response.function_call_arguments.done",
                 {**where, "name": item["name"], "arguments": item["arguments"]}),
                ("response.output_item.done", {"output_index": index, "item": item})]
    part = item["content"][0]
    at = {**where, "content_index": 0}
    return [("response.output_item.added",
             {"output_index": index, "item": {**item, "content": [], "status": "in_progress"}}),
            ("response.content_part.added", {**at, "part": {**part, "text": ""}}),
            ("response.output_text.delta", {**at, "delta": part["text"], "logprobs": []}),
            ("response.output_text.done", {**at, "text": part["text"], "logprobs": []}),
            ("response.content_part.done", {**at, "part": part}),
            ("response.output_item.done", {"output_index": index, "item": item})]


def error(status: int, message: str) -> dict[str, Any]:
    del status
    return {"error": {"message": message, "type": "invalid_request_error", "param": None,
                      "code": None}}
