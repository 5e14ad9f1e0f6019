"""What the bridge's three APIs share: a parsed request, config fields, SSE framing."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from ...model._chat import ChatMessageBase, Content, ContentImage, ContentText, ToolCall
from ...model._config import GenerateConfig
from ...tools._info import ToolChoice, ToolInfo


@dataclass
class Parsed:
    """A request as evalrunner's generate call takes it."""

    messages: list[ChatMessageBase]
    tools: list[ToolInfo]
    choice: ToolChoice | None
    config: GenerateConfig


def config_of(body: dict[str, Any], fields: dict[str, str]) -> GenerateConfig:
    """The request's fields named in `fields` (theirs: ours) as a GenerateConfig."""
    found = {ours: body[theirs] for theirs, ours in fields.items()
             if body.get(theirs) is not None}
    if isinstance(found.get("stop_seqs"), str):
        found["stop_seqs"] = [found["stop_seqs"]]
    return GenerateConfig(**found)


def tool_result(parts: list[Any]) -> str | list[Content]:
    """A tool result's content from its text and image parts: the text joined, and its
    images kept after it (a screenshot the agent's tool took must reach the model, or be
    refused by check_media, never dropped)."""
    text = "".join(p.text for p in parts if isinstance(p, ContentText))
    images: list[Content] = [p for p in parts if isinstance(p, ContentImage)]
    if not images:
        return text
    return [ContentText(text=text), *images] if text else images


def call_arguments(raw: Any) -> dict[str, Any]:
    """Tool call arguments sent back by an agent (a JSON string or an object)."""
    parsed = json.loads(raw) if isinstance(raw, str) and raw.strip() else raw or {}
    if not isinstance(parsed, dict):
        raise ValueError(f"tool call arguments are not a JSON object: {raw!r}")
    return parsed


def tool_call(id: str, name: str, arguments: Any) -> ToolCall:
    return ToolCall(id=id, function=name, arguments=call_arguments(arguments))


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def sse(event: str | None, data: dict[str, Any]) -> bytes:
    """One server-sent event (`event:` line only where the API names its events)."""
    head = f"event: {event}\n" if event else ""
    return (head + "data: " + json.dumps(data) + "\n\n").encode()
