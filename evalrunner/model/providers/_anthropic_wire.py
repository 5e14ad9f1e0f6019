"""Anthropic's Messages API wire format: request bodies out, ModelOutput in (no I/O)."""

from __future__ import annotations

from typing import Any

from ...tools._info import ToolChoice, ToolFunction, ToolInfo
from .._api import ModelAPIError
from .._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageTool,
    ContentImage,
    ContentReasoning,
    ContentText,
    ToolCall,
    assistant_content,
)
from .._config import GenerateConfig
from .._output import ChatCompletionChoice, ModelOutput, ModelUsage, StopReason
from ._http import alternate_turns, data_url_parts

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
# The API refuses empty turns; this stands in for an assistant turn that said nothing.
NO_CONTENT = "(no content)"

_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

# The status a direct request would have had, for each error type of a batch result.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def build_request(
    model: str,
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
) -> dict[str, Any]:
    """The JSON body of a Messages request; options the API lacks are left out."""
    system = [m.text for m in messages if m.role == "system" and m.text]  # type: ignore[attr-defined]
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": config.max_tokens or DEFAULT_MAX_TOKENS,
        "messages": wire_messages([m for m in messages if m.role != "system"]),  # type: ignore[attr-defined]
    }
    if system:
        body["system"] = "\n\n".join(system)
    _sampling(body, config)
    if tools:
        body["tools"] = [_tool(t, model) for t in tools]
        choice = wire_tool_choice(tool_choice, config.parallel_tool_calls)
        if choice is not None:
            body["tool_choice"] = choice
    if _cache_prompt(config.cache_prompt, bool(tools)):
        mark_cache_points(body)
    return body


_EPHEMERAL = {"type": "ephemeral"}


def _cache_prompt(setting: str | bool | None, tools: bool) -> bool:
    """`cache_prompt`: true always; "auto" (the default, as Inspect's) when tools are sent,
    since a tool-using conversation repeats its growing prefix on every turn; false never."""
    if setting is None or setting == "auto":
        return tools
    return bool(setting)


def mark_cache_points(body: dict[str, Any]) -> None:
    """Prompt caching: a cache breakpoint after the system prompt, the tools and the
    conversation so far (the API caches the prefix up to each marked block)."""
    if isinstance(body.get("system"), str):
        body["system"] = [{"type": "text", "text": body["system"], "cache_control": _EPHEMERAL}]
    if body.get("tools"):
        body["tools"][-1]["cache_control"] = _EPHEMERAL
    messages = body.get("messages") or []
    if messages:
        blocks = [b for b in messages[-1]["content"]
                  if b.get("type") not in ("thinking", "redacted_thinking")]
        if blocks:
            blocks[-1]["cache_control"] = _EPHEMERAL

def _sampling(body: dict[str, Any], config: GenerateConfig) -> None:
    budget = config.reasoning_tokens
    if budget:
        # Thinking needs max_tokens above the budget, and fixes temperature and top_k.
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        if body["max_tokens"] <= budget:
            body["max_tokens"] += budget
        if config.top_p is not None and config.top_p >= 0.95:
            body["top_p"] = config.top_p
    else:
        for field, name in (("temperature", "temperature"), ("top_p", "top_p"), ("top_k", "top_k")):
            value = getattr(config, field)
            if value is not None:
                body[name] = value
    if config.stop_seqs:
        body["stop_sequences"] = config.stop_seqs


# Anthropic's own tools, by the name evalrunner's tool has, with their versioned type.
# (`computer` is run here: its calls come back as tool_use blocks like any tool's.)
NATIVE_TOOLS = {"web_search": "web_search_20250305",
                "code_execution": "code_execution_20250825",
                "computer": "computer_20250124"}
# The beta a request offering one of them must name (`anthropic-beta`).
NATIVE_BETAS = {"code_execution": "code-execution-2025-08-25",
                "computer": "computer-use-2025-01-24"}


def native_betas(tools: list[ToolInfo], model: str) -> list[str]:
    """The betas the native tools offered need."""
    return [NATIVE_BETAS[t.name] for t in tools
            if t.name in NATIVE_BETAS and _native(t, model) is not None]


def _native(tool: ToolInfo, model: str) -> dict[str, Any] | None:
    """Anthropic's own version of the tool for this model, if it has one. computer_20250124
    is for Claude 3.7 and the Claude 4 models on; older ones get `computer` as a function."""
    if tool.name not in NATIVE_TOOLS:
        return None
    if tool.name == "computer" and model.startswith("claude-3-") and "3-7" not in model:
        return None
    native: dict[str, Any] | None = (tool.native or {}).get("anthropic")
    return native


def _tool(tool: ToolInfo, model: str) -> dict[str, Any]:
    native = _native(tool, model)
    if native is not None:  # Anthropic's own tool (server tools run by the API, not by us)
        return {"type": NATIVE_TOOLS[tool.name], "name": tool.name, **native}
    return {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}


def wire_tool_choice(
    choice: ToolChoice | None, parallel: bool | None
) -> dict[str, Any] | None:
    if choice == "none":
        return {"type": "none"}
    if isinstance(choice, ToolFunction):
        out: dict[str, Any] = {"type": "tool", "name": choice.name}
    elif choice == "any":
        out = {"type": "any"}
    elif choice == "auto" or parallel is False:
        out = {"type": "auto"}
    else:
        return None
    if parallel is False:
        out["disable_parallel_tool_use"] = True
    return out


def wire_messages(messages: list[ChatMessageBase]) -> list[dict[str, Any]]:
    """Turns that alternate user/assistant: same-role neighbours merge, tool results lead."""
    turns = alternate_turns(((_role(m), _blocks(m)) for m in messages), "content")
    for turn in turns:
        content = turn["content"]
        # tool_result blocks must come first in the user turn answering a tool_use turn.
        content.sort(key=lambda b: b["type"] != "tool_result")
        if not content:
            content.append({"type": "text", "text": NO_CONTENT})
    return turns


def _thinking_block(part: ContentReasoning) -> dict[str, Any]:
    """Thinking goes back as it came: with tools, the API requires the last assistant
    turn to start with its thinking blocks, signatures intact."""
    if part.redacted:
        return {"type": "redacted_thinking", "data": part.reasoning}
    return {"type": "thinking", "thinking": part.reasoning, "signature": part.signature or ""}


def _role(message: ChatMessageBase) -> str:
    return "assistant" if message.role == "assistant" else "user"  # type: ignore[attr-defined]


def _blocks(message: ChatMessageBase) -> list[dict[str, Any]]:
    if isinstance(message, ChatMessageTool):
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": message.tool_call_id or ""}
        text = message.text or (message.error or "")
        images = _tool_images(message)
        if images:  # a screenshot: text and image blocks inside the tool_result
            block["content"] = [*([{"type": "text", "text": text}] if text else []), *images]
        elif text:
            block["content"] = text
        if message.error:
            block["is_error"] = True
        return [block]
    blocks: list[dict[str, Any]] = []
    parts = (
        [ContentText(text=message.content)] if isinstance(message.content, str)
        else message.content
    )
    for part in parts:
        if isinstance(part, ContentText):
            if part.text.strip():
                blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, ContentImage):
            blocks.append({"type": "image", "source": _image_source(part.image)})
        elif isinstance(part, ContentReasoning) and message.role == "assistant":  # type: ignore[attr-defined]
            blocks.append(_thinking_block(part))
    if isinstance(message, ChatMessageAssistant):
        if not blocks and not message.tool_calls:
            blocks.append({"type": "text", "text": NO_CONTENT})
        for call in message.tool_calls or []:
            blocks.append(
                {"type": "tool_use", "id": call.id, "name": call.function, "input": call.arguments}
            )
    return blocks


def _tool_images(message: ChatMessageTool) -> list[dict[str, Any]]:
    if isinstance(message.content, str):
        return []
    return [{"type": "image", "source": _image_source(p.image)}
            for p in message.content if isinstance(p, ContentImage)]


def _image_source(url: str) -> dict[str, Any]:
    parts = data_url_parts(url)
    if parts is not None:
        return {"type": "base64", "media_type": parts[0], "data": parts[1]}
    if url.startswith(("http://", "https://")):
        return {"type": "url", "url": url}
    raise ModelAPIError(f"cannot send image '{url[:80]}': use a data URL or an http(s) URL")


def parse_response(data: dict[str, Any], model: str) -> ModelOutput:
    """A ModelOutput from a Messages reply (already decoded from JSON)."""
    if data.get("type") == "error" or not isinstance(data.get("content"), list):
        error = data.get("error") or {}
        raise ModelAPIError(f"Anthropic returned no message: {error.get('message') or data}")
    texts: list[str] = []
    calls: list[ToolCall] = []
    reasoning: list[ContentReasoning] = []
    for block in data["content"]:
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text") or "")
        elif kind == "thinking":
            reasoning.append(ContentReasoning(
                reasoning=str(block.get("thinking") or ""), signature=block.get("signature")
            ))
        elif kind == "redacted_thinking":
            reasoning.append(ContentReasoning(reasoning=str(block.get("data") or ""),
                                              redacted=True))
        elif kind == "tool_use":
            calls.append(ToolCall.decoded(
                str(block.get("id") or ""), str(block.get("name") or ""), block.get("input")
            ))
    content = assistant_content("".join(texts), reasoning)
    message = ChatMessageAssistant(content=content, source="generate", tool_calls=calls or None)
    stop = _STOP_REASONS.get(data.get("stop_reason") or "", "unknown")
    return ModelOutput(
        model=data.get("model") or model,
        choices=[ChatCompletionChoice(message=message, stop_reason=stop)],
        usage=parse_usage(data.get("usage")),
    )


def parse_usage(usage: Any) -> ModelUsage | None:
    if not isinstance(usage, dict):
        return None
    # Cached prompt tokens are still input tokens of this call.
    input_tokens = sum(
        int(usage.get(k) or 0)
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    output_tokens = int(usage.get("output_tokens") or 0)
    return ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
