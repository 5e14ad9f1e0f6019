"""Gemini's generateContent wire format: request bodies out, ModelOutput in.

Building a body is async only because image URLs must be fetched: the API takes
images inline (base64) or as files it stores, never as arbitrary URLs.
"""

from __future__ import annotations

from typing import Any

from ...tools._info import ToolChoice, ToolFunction, ToolInfo
from .._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageTool,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
    ToolCall,
    assistant_content,
)
from .._config import GenerateConfig
from .._output import ChatCompletionChoice, ModelOutput, ModelUsage, StopReason
from ._http import alternate_turns, image_data

_STOP_REASONS: dict[str, StopReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}

_GENERATION_FIELDS: tuple[tuple[str, str], ...] = (
    ("temperature", "temperature"),
    ("top_p", "topP"),
    ("top_k", "topK"),
    ("max_tokens", "maxOutputTokens"),
    ("stop_seqs", "stopSequences"),
    ("num_choices", "candidateCount"),
    ("seed", "seed"),
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
    ("logprobs", "responseLogprobs"),
    ("top_logprobs", "logprobs"),
)

# The OpenAPI subset Gemini accepts in function parameters.
_SCHEMA_KEYS = {"type", "format", "description", "nullable", "enum", "properties", "required",
                "items", "minItems", "maxItems", "minimum", "maximum", "anyOf",
                "propertyOrdering", "title", "minLength", "maxLength", "pattern"}


async def build_request(
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
) -> dict[str, Any]:
    system = [m.text for m in messages if m.role == "system" and m.text]  # type: ignore[attr-defined]
    body: dict[str, Any] = {
        "contents": await wire_contents([m for m in messages if m.role != "system"])  # type: ignore[attr-defined]
    }
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    generation = {
        name: getattr(config, field)
        for field, name in _GENERATION_FIELDS if getattr(config, field) is not None
    }
    if config.reasoning_tokens is not None:
        generation["thinkingConfig"] = {"thinkingBudget": config.reasoning_tokens}
    if config.response_schema is not None:
        # Gemini's schema is an OpenAPI subset; the reply is still checked on the full one.
        generation["responseMimeType"] = "application/json"
        generation["responseSchema"] = schema_subset(config.response_schema.json_schema)
    if generation:
        body["generationConfig"] = generation
    functions = [t for t in tools if not _native(t)]
    wire_tools: list[dict[str, Any]] = (
        [{"functionDeclarations": [_declaration(t) for t in functions]}] if functions else [])
    # Gemini's own tools, run by the API: code execution.
    wire_tools += [{_NATIVE_TOOLS[t.name]: dict((t.native or {})["google"])}
                   for t in tools if _native(t)]
    if wire_tools:
        body["tools"] = wire_tools
        if tool_choice is not None and functions:
            body["toolConfig"] = {"functionCallingConfig": _calling_config(tool_choice)}
    return body


async def wire_contents(messages: list[ChatMessageBase]) -> list[dict[str, Any]]:
    """`user`/`model` contents; a run of tool results becomes one content, as the API asks."""
    roles = ["model" if m.role == "assistant" else "user" for m in messages]  # type: ignore[attr-defined]
    parts = [await _parts(m) for m in messages]
    return alternate_turns(zip(roles, parts, strict=True), "parts")


async def _parts(message: ChatMessageBase) -> list[dict[str, Any]]:
    if isinstance(message, ChatMessageTool):
        response = {"error": message.error} if message.error else {"output": message.text}
        images = [] if isinstance(message.content, str) else [
            p for p in message.content if isinstance(p, ContentImage)]
        # A screenshot goes beside its function response, as an image part of the same turn.
        return [{"functionResponse": {"name": message.function or "", "response": response}},
                *[{"inlineData": dict(zip(("mimeType", "data"), await image_data(p.image),
                                          strict=True))} for p in images]]
    parts: list[dict[str, Any]] = []
    items = (
        [ContentText(text=message.content)] if isinstance(message.content, str)
        else message.content
    )
    for item in items:
        if isinstance(item, ContentText):
            if item.text:
                parts.append({"text": item.text})
        elif isinstance(item, ContentImage):
            media_type, data = await image_data(item.image)
            parts.append({"inlineData": {"mimeType": media_type, "data": data}})
        elif isinstance(item, ContentAudio | ContentVideo):
            ref = item.audio if isinstance(item, ContentAudio) else item.video
            media_type, data = await image_data(ref)
            parts.append({"inlineData": {"mimeType": media_type, "data": data}})
    if isinstance(message, ChatMessageAssistant):
        for call in message.tool_calls or []:
            part: dict[str, Any] = {"functionCall": {"name": call.function, "args": call.arguments}}
            # With thinking, Gemini refuses a function call sent back without its signature.
            if call.internal and call.internal.get("thoughtSignature"):
                part["thoughtSignature"] = call.internal["thoughtSignature"]
            parts.append(part)
    return parts or [{"text": " "}]


_NATIVE_TOOLS = {"code_execution": "codeExecution"}


def _native(tool: ToolInfo) -> bool:
    return tool.name in _NATIVE_TOOLS and "google" in (tool.native or {})


def _declaration(tool: ToolInfo) -> dict[str, Any]:
    declaration: dict[str, Any] = {"name": tool.name, "description": tool.description}
    if tool.parameters.get("properties"):
        declaration["parameters"] = schema_subset(tool.parameters)
    return declaration


def schema_subset(schema: Any) -> Any:
    """A JSON schema cut down to what Gemini takes (`["x", "null"]` becomes nullable)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _SCHEMA_KEYS:
            continue
        if key == "properties":
            out[key] = {name: schema_subset(sub) for name, sub in value.items()}
        elif key in ("items",):
            out[key] = schema_subset(value)
        elif key == "anyOf":
            out[key] = [schema_subset(sub) for sub in value]
        elif key == "type" and isinstance(value, list):
            kinds = [k for k in value if k != "null"]
            out[key] = kinds[0] if kinds else "string"
            if "null" in value:
                out["nullable"] = True
        else:
            out[key] = value
    return out


def _calling_config(choice: ToolChoice) -> dict[str, Any]:
    if isinstance(choice, ToolFunction):
        return {"mode": "ANY", "allowedFunctionNames": [choice.name]}
    return {"mode": {"auto": "AUTO", "any": "ANY", "none": "NONE"}[choice]}


def parse_response(data: dict[str, Any], model: str) -> ModelOutput:
    candidates = data.get("candidates") or []
    choices = [_choice(c, i) for i, c in enumerate(candidates)]
    if not choices and (data.get("promptFeedback") or {}).get("blockReason"):
        # The prompt itself was blocked: no candidate, only the reason.
        message = ChatMessageAssistant(content="", source="generate")
        choices = [ChatCompletionChoice(message=message, stop_reason="content_filter")]
    return ModelOutput(
        model=data.get("modelVersion") or model,
        choices=choices,
        usage=_usage(data.get("usageMetadata")),
    )


def _choice(candidate: dict[str, Any], index: int) -> ChatCompletionChoice:
    texts: list[str] = []
    calls: list[ToolCall] = []
    thoughts: list[ContentReasoning] = []
    for part in (candidate.get("content") or {}).get("parts") or []:
        if "text" in part and part.get("thought"):
            thoughts.append(ContentReasoning(reasoning=str(part["text"]),
                                             signature=part.get("thoughtSignature")))
        elif "text" in part:
            texts.append(part["text"])
        elif "functionCall" in part:
            call = part["functionCall"]
            args = call.get("args")
            signature = part.get("thoughtSignature")
            calls.append(ToolCall.decoded(
                str(call.get("id") or f"{call.get('name')}_{index}_{len(calls)}"),
                str(call.get("name") or ""),
                {} if args is None else args,  # Gemini leaves out the args of a no-arg call
                {"thoughtSignature": signature} if signature else None,
            ))
    stop = _STOP_REASONS.get(candidate.get("finishReason") or "", "unknown")
    if calls and stop == "stop":
        stop = "tool_calls"
    # Thought summaries are kept for the log and the viewer; Gemini needs only signatures.
    content = assistant_content("".join(texts), thoughts)
    message = ChatMessageAssistant(content=content, source="generate", tool_calls=calls or None)
    return ChatCompletionChoice(message=message, stop_reason=stop)


def _usage(usage: Any) -> ModelUsage | None:
    if not isinstance(usage, dict):
        return None
    prompt = int(usage.get("promptTokenCount") or 0)
    # Thinking tokens are billed as output.
    output = int(usage.get("candidatesTokenCount") or 0) + int(usage.get("thoughtsTokenCount") or 0)
    total = int(usage.get("totalTokenCount") or prompt + output)
    return ModelUsage(input_tokens=prompt, output_tokens=output, total_tokens=total)
