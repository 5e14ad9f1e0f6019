"""mistral: Mistral's chat completions API (`mistral/<model>`).

Environment: MISTRAL_API_KEY and MISTRAL_BASE_URL (default https://api.mistral.ai/v1).
Mistral models deployed on Azure AI use AZUREAI_MISTRAL_API_KEY and
AZUREAI_MISTRAL_BASE_URL instead when the key is set. `-M` arguments are added to the
request body (for example `-M safe_prompt=true`).

Close to OpenAI's format, with Mistral's own rules: `random_seed` rather than `seed`, no
logprobs or logit_bias, tool call ids of exactly nine letters and digits, images of tool
results as chunks of the tool message, and content that may come back as a list of chunks.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from ...tools._info import ToolChoice, ToolInfo
from .._api import modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._http import HttpModelAPI, env, error_text
from ._openai_wire import build_request, parse_response

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py

DEFAULT_BASE_URL = "https://api.mistral.ai/v1"
_TOOL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")
_UNSUPPORTED = ("logit_bias", "logprobs", "top_logprobs", "reasoning_effort")


@modelapi(name="mistral")
class MistralAPI(HttpModelAPI):
    native_response_schema = True
    service = "Mistral"

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        azure_key = env("AZUREAI_MISTRAL_API_KEY")
        self.key_variable = "AZUREAI_MISTRAL_API_KEY" if azure_key else "MISTRAL_API_KEY"
        if azure_key:
            api_key = api_key or azure_key
            base_url = base_url or env("AZUREAI_MISTRAL_BASE_URL")
        api_key = api_key or env("MISTRAL_API_KEY")
        base_url = base_url or env("MISTRAL_BASE_URL") or DEFAULT_BASE_URL
        super().__init__(model_name, base_url, api_key, config, **model_args)

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        key = self.require(self.api_key, "API key", self.key_variable)
        body = mistral_body(self.model_name, input, tools, tool_choice, config)
        body.update(self.model_args)
        url = f"{(self.base_url or DEFAULT_BASE_URL).rstrip('/')}/chat/completions"
        data = await self.request_json(
            "POST", url, config, body, headers={"Authorization": f"Bearer {key}"}
        )
        return parse_response(_normalize(data), self.model_name)

    def error_detail(self, response: httpx.Response) -> str:
        # Validation failures (422) carry FastAPI's {"detail": [{"loc", "msg"}]}.
        try:
            data = response.json()
            message = data.get("message")
            detail = message.get("detail") if isinstance(message, dict) else data.get("detail")
        except (ValueError, AttributeError):
            detail = None
        if isinstance(detail, list):
            return "; ".join(
                f"{'.'.join(str(p) for p in d.get('loc', []))}: {d.get('msg')}" for d in detail
            )
        return error_text(response.content)

    def connection_key(self) -> str:
        return f"mistral:{self.base_url}:{hash(self.api_key)}"


def mistral_body(
    model: str,
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
) -> dict[str, Any]:
    # A screenshot goes inside its tool message: Mistral refuses a user turn after a tool's.
    body = build_request(model, messages, tools, tool_choice, config, tool_images="inline")
    for name in _UNSUPPORTED:
        body.pop(name, None)
    if "seed" in body:
        body["random_seed"] = body.pop("seed")
    for wire, message in zip(body["messages"], messages, strict=True):
        for call in wire.get("tool_calls") or []:
            call["id"] = tool_id(call["id"])
        if wire["role"] == "tool":
            wire["tool_call_id"] = tool_id(wire["tool_call_id"])
            wire["name"] = getattr(message, "function", None) or ""
    return body


def tool_id(value: str) -> str:
    """Mistral takes only nine-character alphanumeric ids; map any other id onto one."""
    if _TOOL_ID.match(value):
        return value
    return hashlib.sha256(value.encode()).hexdigest()[:9]


def _normalize(data: dict[str, Any]) -> dict[str, Any]:
    """Mistral's variations on the OpenAI reply, brought back to it."""
    for choice in data.get("choices") or []:
        message = choice.get("message") or {}
        content = message.get("content")
        if isinstance(content, list):
            # Chunked content (reasoning models): keep the text chunks.
            message["content"] = "".join(
                c.get("text", "") for c in content
                if isinstance(c, dict) and c.get("type") == "text"
            )
        if choice.get("finish_reason") == "model_length":
            choice["finish_reason"] = "length"
    return data
