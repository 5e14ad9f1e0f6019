"""The OpenAI Chat Completions wire format: request bodies out, ModelOutput in.

Pure functions with no I/O, shared by every OpenAI-compatible provider. This is the hot
path of a large run, so bodies are built as plain dicts and replies are read with `json`
and turned into models with `model_construct` (the values come from our own mapping,
so validating them again would only cost time).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from ...tools._info import ToolChoice, ToolFunction, ToolInfo
from .._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ToolCall,
    assistant_content,
)
from .._config import GenerateConfig
from .._output import ChatCompletionChoice, ModelOutput, ModelUsage, StopReason

# GenerateConfig fields that map one to one onto a Chat Completions field.
_CONFIG_FIELDS: tuple[tuple[str, str], ...] = (
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("stop_seqs", "stop"),
    ("seed", "seed"),
    ("frequency_penalty", "frequency_penalty"),
    ("presence_penalty", "presence_penalty"),
    ("logit_bias", "logit_bias"),
    ("num_choices", "n"),
    ("logprobs", "logprobs"),
    ("top_logprobs", "top_logprobs"),
    ("reasoning_effort", "reasoning_effort"),
)

_STOP_REASONS: dict[str, StopReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}

# Where the images of a tool result go (see wire_messages).
ToolImages = Literal["after", "inline"]

# o1, o3-mini, o4-mini, gpt-5...: reasoning models take `max_completion_tokens`.
OPENAI_REASONING_MODELS = re.compile(r"^(o\d|gpt-5)")


def build_request(
    model: str,
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
    completion_tokens_field: bool = False,
    tool_images: ToolImages = "after",
) -> dict[str, Any]:
    """The JSON body of a Chat Completions request; unset options are left out."""
    body: dict[str, Any] = {"model": model, "messages": wire_messages(messages, tool_images)}
    for field, wire_name in _CONFIG_FIELDS:
        value = getattr(config, field)
        if value is not None:
            body[wire_name] = value
    if config.max_tokens is not None:
        key = "max_completion_tokens" if completion_tokens_field else "max_tokens"
        body[key] = config.max_tokens
    if config.response_schema is not None:
        body["response_format"] = wire_response_format(config)
    if tools:
        body["tools"] = [wire_tool(tool) for tool in tools]
        if tool_choice is not None:
            body["tool_choice"] = wire_tool_choice(tool_choice)
        # Only meaningful (and only accepted by the API) alongside tools.
        if config.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = config.parallel_tool_calls
    return body


def wire_messages(messages: list[ChatMessageBase],
                  tool_images: ToolImages = "after") -> list[dict[str, Any]]:
    """The messages, with the images of tool results (screenshots) where the API takes them.

    `after`: in a user message after the run of tool messages, since a Chat Completions tool
    message holds text only. `inline`: in the tool message itself, as content chunks after
    its text (Mistral, which refuses a user turn right after a tool result).
    """
    out: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    for message in messages:
        if images and message.role != "tool":  # type: ignore[attr-defined]
            out.append({"role": "user", "content": images})
            images = []
        wire = wire_message(message)
        out.append(wire)
        if message.role == "tool" and not isinstance(message.content, str):  # type: ignore[attr-defined]
            shown = [_image_part(p) for p in message.content if isinstance(p, ContentImage)]
            if shown and tool_images == "inline":
                text = wire["content"]
                wire["content"] = [*([{"type": "text", "text": text}] if text else []), *shown]
            elif shown:
                call = message.tool_call_id  # type: ignore[attr-defined]
                images.append({"type": "text", "text": f"Images of tool call {call}:"})
                images.extend(shown)
    if images:
        out.append({"role": "user", "content": images})
    return out


def _image_part(part: ContentImage) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": part.image, "detail": part.detail}}


def wire_message(message: ChatMessageBase) -> dict[str, Any]:
    role: str = message.role  # type: ignore[attr-defined]
    if role == "user":
        return {"role": "user", "content": _user_content(message)}
    if role == "assistant":
        return _assistant_message(message)  # type: ignore[arg-type]
    if role == "tool":
        text = message.text
        error = message.error  # type: ignore[attr-defined]
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id or "",  # type: ignore[attr-defined]
            "content": text if text or not error else f"Error: {error}",
        }
    return {"role": role, "content": message.text}


def _user_content(message: ChatMessageBase) -> str | list[dict[str, Any]]:
    if isinstance(message.content, str):
        return message.content
    parts: list[dict[str, Any]] = []
    for part in message.content:
        if isinstance(part, ContentText):
            parts.append({"type": "text", "text": part.text})
        elif isinstance(part, ContentImage):  # reasoning is never sent (see _parse_choice)
            parts.append(_image_part(part))
        elif isinstance(part, ContentAudio):
            parts.append({"type": "input_audio",
                          "input_audio": {"data": base64_of(part.audio), "format": part.format}})
    return parts


def _assistant_message(message: ChatMessageAssistant) -> dict[str, Any]:
    text = message.text
    out: dict[str, Any] = {"role": "assistant"}
    if message.tool_calls:
        # The API wants null rather than "" next to tool calls.
        out["content"] = text or None
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.function, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    else:
        out["content"] = text
    return out


def wire_response_format(config: GenerateConfig) -> dict[str, Any]:
    """Structured output as Chat Completions' `json_schema` response format."""
    schema = config.response_schema
    assert schema is not None
    spec: dict[str, Any] = {"name": schema.name, "schema": schema.json_schema}
    if schema.description:
        spec["description"] = schema.description
    if schema.strict is not None:
        spec["strict"] = schema.strict
    return {"type": "json_schema", "json_schema": spec}


def wire_tool(tool: ToolInfo) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def wire_tool_choice(choice: ToolChoice) -> str | dict[str, Any]:
    if isinstance(choice, ToolFunction):
        return {"type": "function", "function": {"name": choice.name}}
    return "required" if choice == "any" else choice


def parse_response(data: dict[str, Any], model: str) -> ModelOutput:
    """A ModelOutput from a Chat Completions reply (already decoded from JSON)."""
    choices = [_parse_choice(choice) for choice in data.get("choices") or ()]
    usage_data = data.get("usage")
    usage = None
    if isinstance(usage_data, dict):
        prompt = int(usage_data.get("prompt_tokens") or 0)
        completion = int(usage_data.get("completion_tokens") or 0)
        total = int(usage_data.get("total_tokens") or prompt + completion)
        usage = ModelUsage.model_construct(
            input_tokens=prompt, output_tokens=completion, total_tokens=total
        )
    return ModelOutput.model_construct(
        model=data.get("model") or model,
        choices=choices,
        usage=usage,
        error=None,
        cached=False,
        time=None,
    )


def _parse_choice(choice: dict[str, Any]) -> ChatCompletionChoice:
    message = choice.get("message") or {}
    raw_calls = message.get("tool_calls")
    tool_calls = [_parse_tool_call(call) for call in raw_calls] if raw_calls else None
    text = message.get("content") or ""
    # DeepSeek and vLLM say `reasoning_content`, OpenRouter `reasoning`. Kept for the log
    # and the viewer; never sent back, which DeepSeek's API would refuse.
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    thoughts = [ContentReasoning(reasoning=reasoning)] if isinstance(reasoning, str) else []
    content = assistant_content(text, [t for t in thoughts if t.reasoning])
    assistant = ChatMessageAssistant.model_construct(
        content=content, source="generate", tool_calls=tool_calls
    )
    stop = _STOP_REASONS.get(choice.get("finish_reason") or "", "unknown")
    return ChatCompletionChoice.model_construct(message=assistant, stop_reason=stop)


def _parse_tool_call(call: dict[str, Any]) -> ToolCall:
    function = call.get("function") or {}
    raw = function.get("arguments") or "{}"
    arguments: dict[str, Any] = {}
    error: str | None = None
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as ex:
        error = f"invalid JSON in the arguments ({ex}): {raw}"
    else:
        if isinstance(parsed, dict):
            arguments = parsed
        else:
            error = f"the arguments are not a JSON object: {raw}"
    return ToolCall.model_construct(
        id=str(call.get("id") or ""),
        function=str(function.get("name") or ""),
        arguments=arguments,
        parse_error=error,
    )


def base64_of(data_url: str) -> str:
    """The base64 payload of a data URL (audio is sent as data, never as a URL)."""
    head, sep, data = data_url.partition(";base64,")
    if not head.startswith("data:") or not sep:
        raise ValueError("audio must be a data URL (a local file in a dataset becomes one)")
    return data


def error_message(body: bytes) -> str:
    """The server's own explanation of a failed request (OpenAI's `error.message`)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:500]
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return json.dumps(data)[:500]
