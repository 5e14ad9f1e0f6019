"""The bridge's OpenAI Chat Completions (`POST /v1/chat/completions`): requests in, replies
and their `chat.completion.chunk` stream out."""

from __future__ import annotations

import secrets
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
from ...model.providers._openai_wire import _assistant_message, _parse_tool_call
from ...tools._info import ToolChoice, ToolFunction, ToolInfo
from ._wire import Parsed, config_of, sse

_CONFIG = {"temperature": "temperature", "top_p": "top_p", "stop": "stop_seqs", "seed": "seed",
           "max_tokens": "max_tokens", "max_completion_tokens": "max_tokens", "n": "num_choices",
           "frequency_penalty": "frequency_penalty", "presence_penalty": "presence_penalty",
           "reasoning_effort": "reasoning_effort", "parallel_tool_calls": "parallel_tool_calls"}
_FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls",
           "content_filter": "content_filter", "unknown": "stop"}


def parse(body: dict[str, Any]) -> Parsed:
    """A Chat Completions request body as evalrunner's messages, tools, choice and config."""
    messages = [_message(m) for m in body["messages"]]
    tools = [ToolInfo(name=t["function"]["name"],
                      description=t["function"].get("description", ""),
                      parameters=t["function"].get("parameters")
                      or {"type": "object", "properties": {}})
             for t in body.get("tools") or []]
    choice: ToolChoice | None = None
    raw = body.get("tool_choice")
    if isinstance(raw, str):
        choice = "any" if raw == "required" else raw  # type: ignore[assignment]
    elif isinstance(raw, dict):
        choice = ToolFunction(name=raw["function"]["name"])
    return Parsed(messages, tools, choice, config_of(body, _CONFIG))


def _message(wire: dict[str, Any]) -> ChatMessageBase:
    role = wire["role"]
    content = wire.get("content")
    if role in ("system", "developer"):
        return ChatMessageSystem(content=_text(content))
    if role == "assistant":
        calls = [_parse_tool_call(c) for c in wire.get("tool_calls") or []]
        return ChatMessageAssistant(content=_text(content), tool_calls=calls or None)
    if role == "tool":
        return ChatMessageTool(content=_text(content), tool_call_id=wire.get("tool_call_id"))
    if isinstance(content, list):
        parts: list[Any] = []
        for part in content:
            if part.get("type") == "text":
                parts.append(ContentText(text=part["text"]))
            elif part.get("type") == "image_url":
                parts.append(ContentImage(image=part["image_url"]["url"]))
        return ChatMessageUser(content=parts)
    return ChatMessageUser(content=_text(content))


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def reply(output: ModelOutput, model: str) -> dict[str, Any]:
    """A ModelOutput as a Chat Completions response."""
    usage = output.usage
    return {
        "id": "chatcmpl-bridge-" + secrets.token_hex(6),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": i, "message": _assistant_message(c.message),
                     "finish_reason": _FINISH.get(c.stop_reason, "stop"), "logprobs": None}
                    for i, c in enumerate(output.choices)],
        "usage": {"prompt_tokens": usage.input_tokens if usage else 0,
                  "completion_tokens": usage.output_tokens if usage else 0,
                  "total_tokens": usage.total_tokens if usage else 0},
    }


def stream(payload: dict[str, Any]) -> bytes:
    """The reply as chunks: per choice its role, text and each tool call, then its finish
    reason; usage in a last chunk with no choices (as `stream_options.include_usage`
    asks; clients that did not ask ignore it); then `[DONE]`."""
    head = {k: payload[k] for k in ("id", "created", "model")}
    chunks: list[dict[str, Any]] = []

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> None:
        chunks.append({**head, "object": "chat.completion.chunk", "choices": [
            {"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}]})

    for choice in payload["choices"]:
        message, index = choice["message"], choice["index"]
        chunk(index, {"role": "assistant", "content": ""})
        if message.get("content"):
            chunk(index, {"content": message["content"]})
        for i, call in enumerate(message.get("tool_calls") or []):
            function = call["function"]
            chunk(index, {"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                          "function": {"name": function["name"],
                                                       "arguments": ""}}]})
            chunk(index, {"tool_calls": [{"index": i,
                                          "function": {"arguments": function["arguments"]}}]})
        chunk(index, {}, choice["finish_reason"])
    chunks.append({**head, "object": "chat.completion.chunk", "choices": [],
                   "usage": payload["usage"]})
    return b"".join(sse(None, c) for c in chunks) + b"data: [DONE]\n\n"


def error(status: int, message: str) -> dict[str, Any]:
    del status
    return {"error": {"message": message, "type": "bridge_error", "param": None, "code": None}}
