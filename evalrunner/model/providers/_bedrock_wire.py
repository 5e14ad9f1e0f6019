"""The Bedrock Converse API wire format: request bodies out, ModelOutput in."""

from __future__ import annotations

from typing import Any

from ...tools._info import ToolChoice, ToolFunction, ToolInfo
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
from ._http import alternate_turns, image_data

NO_CONTENT = "(no content)"
_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif",
            "image/webp": "webp"}
_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter",
}


async def build_request(
    model: str,
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
) -> dict[str, Any]:
    system = [m.text for m in messages if m.role == "system" and m.text]  # type: ignore[attr-defined]
    body: dict[str, Any] = {
        "messages": await wire_messages([m for m in messages if m.role != "system"])  # type: ignore[attr-defined]
    }
    if system:
        body["system"] = [{"text": text} for text in system]
    inference = {
        name: getattr(config, field)
        for field, name in (("max_tokens", "maxTokens"), ("temperature", "temperature"),
                            ("top_p", "topP"), ("stop_seqs", "stopSequences"))
        if getattr(config, field) is not None
    }
    if inference:
        body["inferenceConfig"] = inference
    extra = _model_fields(model, config, inference)
    if extra:
        body["additionalModelRequestFields"] = extra
    if tools:
        body["toolConfig"] = _tool_config(tools, tool_choice)
    return body


def _model_fields(model: str, config: GenerateConfig, inference: dict[str, Any]) -> dict[str, Any]:
    """Options Converse leaves to each model family, in that family's own names."""
    extra: dict[str, Any] = {}
    if config.top_k is not None:
        extra["top_k"] = config.top_k
    if config.reasoning_tokens and "anthropic." in model:
        extra["thinking"] = {"type": "enabled", "budget_tokens": config.reasoning_tokens}
        # Claude's thinking fixes temperature and needs room beyond its budget.
        inference.pop("temperature", None)
        extra.pop("top_k", None)
        if inference.get("maxTokens", 0) <= config.reasoning_tokens:
            inference["maxTokens"] = inference.get("maxTokens", 4096) + config.reasoning_tokens
    return extra


def _tool_config(tools: list[ToolInfo], choice: ToolChoice | None) -> dict[str, Any]:
    out: dict[str, Any] = {"tools": [
        {"toolSpec": {"name": t.name, "description": t.description,
                      "inputSchema": {"json": t.parameters}}}
        for t in tools
    ]}
    # Converse has no "none": the tools stay declared (earlier turns may use them) and
    # the model decides, as with "auto".
    if isinstance(choice, ToolFunction):
        out["toolChoice"] = {"tool": {"name": choice.name}}
    elif choice == "any":
        out["toolChoice"] = {"any": {}}
    elif choice == "auto":
        out["toolChoice"] = {"auto": {}}
    return out


async def wire_messages(messages: list[ChatMessageBase]) -> list[dict[str, Any]]:
    """Alternating user/assistant turns; tool results travel in user turns."""
    roles = ["assistant" if m.role == "assistant" else "user" for m in messages]  # type: ignore[attr-defined]
    blocks = [await _blocks(m) for m in messages]
    turns = alternate_turns(zip(roles, blocks, strict=True), "content")
    for turn in turns:
        if not turn["content"]:
            turn["content"].append({"text": NO_CONTENT})
    return turns


async def _blocks(message: ChatMessageBase) -> list[dict[str, Any]]:
    if isinstance(message, ChatMessageTool):
        text = message.text or message.error or NO_CONTENT
        images = [] if isinstance(message.content, str) else [
            await _image_block(p) for p in message.content if isinstance(p, ContentImage)]
        return [{"toolResult": {  # a screenshot: an image block after the text
            "toolUseId": message.tool_call_id or "",
            "content": [{"text": text}, *images],
            "status": "error" if message.error else "success",
        }}]
    blocks: list[dict[str, Any]] = []
    parts = (
        [ContentText(text=message.content)] if isinstance(message.content, str)
        else message.content
    )
    for part in parts:
        if isinstance(part, ContentText):
            if part.text.strip():
                blocks.append({"text": part.text})
        elif isinstance(part, ContentImage):
            blocks.append(await _image_block(part))
        elif isinstance(part, ContentReasoning) and isinstance(message, ChatMessageAssistant):
            # Claude's thinking goes back with its tool calls, as Anthropic's API asks.
            blocks.append({"reasoningContent": _reasoning_block(part)})
    if isinstance(message, ChatMessageAssistant):
        for call in message.tool_calls or []:
            blocks.append({"toolUse": {"toolUseId": call.id, "name": call.function,
                                       "input": call.arguments}})
    return blocks


async def _image_block(part: ContentImage) -> dict[str, Any]:
    media_type, data = await image_data(part.image)
    return {"image": {"format": _FORMATS.get(media_type, "png"), "source": {"bytes": data}}}


def _reasoning_block(part: ContentReasoning) -> dict[str, Any]:
    if part.redacted:
        return {"redactedContent": part.reasoning}
    return {"reasoningText": {"text": part.reasoning, "signature": part.signature or ""}}


def _reasoning_part(value: dict[str, Any]) -> ContentReasoning:
    if "redactedContent" in value:
        return ContentReasoning(reasoning=str(value["redactedContent"]), redacted=True)
    text = value.get("reasoningText") or {}
    return ContentReasoning(reasoning=str(text.get("text") or ""), signature=text.get("signature"))


def parse_response(data: dict[str, Any], model: str) -> ModelOutput:
    message = ((data.get("output") or {}).get("message")) or {}
    texts: list[str] = []
    calls: list[ToolCall] = []
    reasoning: list[ContentReasoning] = []
    for block in message.get("content") or []:
        if "text" in block:
            texts.append(block["text"])
        elif "reasoningContent" in block:
            reasoning.append(_reasoning_part(block["reasoningContent"]))
        elif "toolUse" in block:
            use = block["toolUse"]
            calls.append(ToolCall.decoded(
                str(use.get("toolUseId") or ""), str(use.get("name") or ""), use.get("input")
            ))
    content = assistant_content("".join(texts), reasoning)
    assistant = ChatMessageAssistant(content=content, source="generate", tool_calls=calls or None)
    stop = _STOP_REASONS.get(data.get("stopReason") or "", "unknown")
    usage = data.get("usage") or {}
    input_tokens = int(usage.get("inputTokens") or 0)
    output_tokens = int(usage.get("outputTokens") or 0)
    return ModelOutput(
        model=model,
        choices=[ChatCompletionChoice(message=assistant, stop_reason=stop)],
        usage=ModelUsage(
            input_tokens=input_tokens, output_tokens=output_tokens,
            total_tokens=int(usage.get("totalTokens") or input_tokens + output_tokens),
        ),
    )
