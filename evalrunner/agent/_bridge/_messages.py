"""The bridge's Anthropic Messages API (`POST /v1/messages`): content blocks in, a message
and its `message_start` ... `message_stop` event stream out. Thinking blocks sent back
by an agent are dropped (they belong to another model's reasoning)."""

from __future__ import annotations

import json
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

_CONFIG = {"max_tokens": "max_tokens", "temperature": "temperature", "top_p": "top_p",
           "top_k": "top_k", "stop_sequences": "stop_seqs"}
_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
         "content_filter": "refusal", "unknown": "end_turn"}


def parse(body: dict[str, Any]) -> Parsed:
    messages: list[ChatMessageBase] = []
    system = body.get("system")
    if system:
        messages.append(ChatMessageSystem(content=_text(_parts(system))))
    for message in body["messages"]:
        messages += _messages(message["role"], message["content"])
    tools = [ToolInfo(name=t["name"], description=t.get("description") or "",
                      parameters=t.get("input_schema") or {"type": "object", "properties": {}})
             for t in body.get("tools") or [] if "input_schema" in t or not t.get("type")]
    config = config_of(body, _CONFIG)
    if (body.get("tool_choice") or {}).get("disable_parallel_tool_use"):
        config.parallel_tool_calls = False
    return Parsed(messages, tools, _choice(body.get("tool_choice")), config)


def _choice(raw: Any) -> ToolChoice | None:
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    if kind == "tool":
        return ToolFunction(name=raw["name"])
    return kind if kind in ("auto", "any", "none") else None  # type: ignore[return-value]


def _messages(role: str, content: Any) -> list[ChatMessageBase]:
    if isinstance(content, str):
        return [ChatMessageAssistant(content=content) if role == "assistant"
                else ChatMessageUser(content=content)]
    if role == "assistant":
        calls = [tool_call(b["id"], b["name"], b.get("input")) for b in content
                 if b.get("type") == "tool_use"]
        return [ChatMessageAssistant(content=_text(_parts(content)), tool_calls=calls or None)]
    # A user turn: its tool results answer the calls before it, the rest is the user's.
    out: list[ChatMessageBase] = [
        ChatMessageTool(content=tool_result(_parts(b.get("content") or "")),
                        tool_call_id=b["tool_use_id"])
        for b in content if b.get("type") == "tool_result"]
    rest = _parts([b for b in content if b.get("type") != "tool_result"])
    if rest:
        out.append(ChatMessageUser(content=rest))
    return out


def _parts(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [ContentText(text=content)]
    parts: list[Any] = []
    for block in content:
        if block.get("type") == "text":
            parts.append(ContentText(text=block["text"]))
        elif block.get("type") == "image":
            source = block.get("source") or {}
            url = source.get("url") if source.get("type") == "url" else \
                f"data:{source.get('media_type')};base64,{source.get('data')}"
            parts.append(ContentImage(image=str(url)))
    return parts


def _text(parts: list[Any]) -> str:
    return "".join(p.text for p in parts if isinstance(p, ContentText))


def reply(output: ModelOutput, model: str) -> dict[str, Any]:
    """A ModelOutput (its first choice) as a Messages API message."""
    message = output.message
    blocks: list[dict[str, Any]] = []
    if message.text:
        blocks.append({"type": "text", "text": message.text})
    blocks += [{"type": "tool_use", "id": call.id, "name": call.function,
                "input": call.arguments} for call in message.tool_calls or []]
    usage = output.usage
    return {"id": new_id("msg_"), "type": "message", "role": "assistant", "model": model,
            "content": blocks, "stop_reason": _STOP.get(output.stop_reason, "end_turn"),
            "stop_sequence": None,
            "usage": {"input_tokens": usage.input_tokens if usage else 0,
                      "output_tokens": usage.output_tokens if usage else 0}}


def stream(payload: dict[str, Any]) -> bytes:
    """The message as the API streams it: message_start, each block started, its text or
    input JSON as one delta, stopped; message_delta (stop reason, usage); message_stop."""
    usage = payload["usage"]
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"message": {
        **payload, "content": [], "stop_reason": None,
        "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 0}}})]
    for index, block in enumerate(payload["content"]):
        if block["type"] == "text":
            start = {**block, "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            start = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events += [("content_block_start", {"index": index, "content_block": start}),
                   ("content_block_delta", {"index": index, "delta": delta}),
                   ("content_block_stop", {"index": index})]
    events += [("message_delta", {"delta": {"stop_reason": payload["stop_reason"],
                                            "stop_sequence": None},
                                  "usage": {"output_tokens": usage["output_tokens"]}}),
               ("message_stop", {})]
    return b"".join(sse(kind, {"type": kind, **data}) for kind, data in events)


def error(status: int, message: str) -> dict[str, Any]:
    kind = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
            413: "request_too_large", 429: "rate_limit_error"}.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message}}
