"""cloudflare (also `cf`): Workers AI text generation (`cloudflare/meta/llama-3.1-8b-instruct`).

Environment: CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN and CLOUDFLARE_BASE_URL (default
https://api.cloudflare.com/client/v4/accounts). A model name without a leading `@` is
taken from the `@cf/` catalogue; `@hf/...` names pass as they are. `-M` arguments are
added to the request body (for example `-M repetition_penalty=1.1`).

Images (in user messages, and screenshots of tool results in a user message after them)
go as Chat Completions `image_url` parts, which Workers AI's vision models take; a text
model's API answers them with an error.

Replies come in two shapes: the classic `{"result": {"response", "tool_calls", "usage"}}`
and, for newer models, a Chat Completions object inside `result`; both are read.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPIError, modelapi
from .._chat import ChatMessageAssistant, ChatMessageBase, ToolCall
from .._config import GenerateConfig
from .._output import ChatCompletionChoice, ModelOutput, ModelUsage
from ._http import HttpModelAPI, env
from ._openai_wire import parse_response, wire_messages, wire_tool

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4/accounts"
_CONFIG_FIELDS = (("max_tokens", "max_tokens"), ("temperature", "temperature"),
                  ("top_p", "top_p"), ("top_k", "top_k"), ("seed", "seed"),
                  ("frequency_penalty", "frequency_penalty"),
                  ("presence_penalty", "presence_penalty"))


@modelapi(name="cloudflare")
class CloudflareAPI(HttpModelAPI):
    service = "Cloudflare"

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        account_id: str | None = None,
        **model_args: Any,
    ) -> None:
        api_key = api_key or env("CLOUDFLARE_API_TOKEN")
        base_url = base_url or env("CLOUDFLARE_BASE_URL") or DEFAULT_BASE_URL
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.account_id = account_id or env("CLOUDFLARE_ACCOUNT_ID")

    def max_tokens(self) -> int | None:
        return 1024  # the API's own default (256) cuts most eval answers short

    def model_path(self) -> str:
        return self.model_name if self.model_name.startswith("@") else f"@cf/{self.model_name}"

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        token = self.require(self.api_key, "API token", "CLOUDFLARE_API_TOKEN")
        account = self.require(self.account_id, "account id", "CLOUDFLARE_ACCOUNT_ID")
        body = cloudflare_body(input, tools, config)
        body.update(self.model_args)
        base = (self.base_url or DEFAULT_BASE_URL).rstrip("/")
        url = f"{base}/{account}/ai/run/{self.model_path()}"
        data = await self.request_json(
            "POST", url, config, body, headers={"Authorization": f"Bearer {token}"}
        )
        if not data.get("success", True) or not isinstance(data.get("result"), dict):
            raise ModelAPIError(f"Cloudflare returned an error: {_errors(data)}")
        return parse_result(data["result"], self.model_name)

    def error_detail(self, response: httpx.Response) -> str:
        try:
            return _errors(json.loads(response.content))
        except ValueError:
            return response.text[:500]

    def connection_key(self) -> str:
        # Workers AI limits requests per model for each account.
        return f"cloudflare:{self.account_id}:{self.model_name}"


def cloudflare_body(
    messages: list[ChatMessageBase], tools: list[ToolInfo], config: GenerateConfig
) -> dict[str, Any]:
    functions = {m.tool_call_id or "": m.function for m in messages  # type: ignore[attr-defined]
                 if m.role == "tool"}  # type: ignore[attr-defined]
    body: dict[str, Any] = {"messages": [_message(m, functions) for m in wire_messages(messages)]}
    for field, name in _CONFIG_FIELDS:
        value = getattr(config, field)
        if value is not None:
            body[name] = value
    if tools:
        body["tools"] = [wire_tool(tool) for tool in tools]
    return body


def _message(out: dict[str, Any], functions: dict[str, str | None]) -> dict[str, Any]:
    """A Chat Completions message as Workers AI takes it: text as a string (all a text
    model takes); with images (vision models: Llama 4, Gemma 3...), `text` and `image_url`
    parts, a tool result's after the tool messages as for OpenAI."""
    content = out.get("content")
    if isinstance(content, list):
        if any(part["type"] == "image_url" for part in content):
            out["content"] = [{"type": "image_url", "image_url": {"url": p["image_url"]["url"]}}
                              if p["type"] == "image_url" else p for p in content]
        else:
            out["content"] = "\n".join(p["text"] for p in content if p["type"] == "text")
    if out["role"] == "tool":
        out["name"] = functions.get(out["tool_call_id"]) or ""
    if out["role"] == "assistant" and out.get("content") is None:
        out["content"] = ""
    return out


def parse_result(result: dict[str, Any], model: str) -> ModelOutput:
    if "choices" in result:
        return parse_response(result, model)
    calls = [_tool_call(call, i) for i, call in enumerate(result.get("tool_calls") or [])]
    response = result.get("response")
    text = response if isinstance(response, str) else json.dumps(response) if response else ""
    message = ChatMessageAssistant(content=text, source="generate", tool_calls=calls or None)
    usage = result.get("usage") or {}
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    return ModelOutput(
        model=model,
        choices=[ChatCompletionChoice(message=message,
                                      stop_reason="tool_calls" if calls else "stop")],
        usage=ModelUsage(input_tokens=prompt, output_tokens=completion,
                         total_tokens=int(usage.get("total_tokens") or prompt + completion)),
    )


def _tool_call(call: dict[str, Any], index: int) -> ToolCall:
    # Either {"name", "arguments": {...}} or the OpenAI shape with JSON-string arguments.
    nested = call.get("function")
    function: dict[str, Any] = nested if isinstance(nested, dict) else call
    raw = function.get("arguments")
    error = None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            error = f"invalid JSON in the arguments: {raw}"
    arguments = raw if isinstance(raw, dict) else {}
    if error is None and raw is not None and not isinstance(raw, dict):
        error = f"the arguments are not a JSON object: {raw!r}"
    return ToolCall(id=str(call.get("id") or f"call_{index}"), function=str(function.get("name")),
                    arguments=arguments, parse_error=error)


def _errors(data: Any) -> str:
    errors = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errors, list) and errors:
        return "; ".join(
            f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict)
        )
    return json.dumps(data)[:500]


@modelapi(name="cf")
class CfAPI(CloudflareAPI):
    """`cf/<model>`: the name Inspect uses for the same provider."""
