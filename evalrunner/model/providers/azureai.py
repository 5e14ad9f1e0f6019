"""azureai: models deployed on Azure AI, through the Azure AI Model Inference API
(`azureai/<deployment>`).

Environment: AZUREAI_API_KEY (or AZURE_API_KEY), AZUREAI_BASE_URL (the deployment's
endpoint, required) and AZUREAI_API_VERSION (default 2024-05-01-preview). `-M` arguments
are added to the request body and sent with `extra-parameters: pass-through`, so the
model receives options the API itself does not define. A prompt or answer stopped by
Azure's content filter comes back as an output with stop reason `content_filter`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ...tools._info import ToolChoice, ToolInfo
from .._api import modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._http import HttpModelAPI, env
from ._openai_wire import build_request, parse_response

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py

DEFAULT_API_VERSION = "2024-05-01-preview"
# Chat Completions fields the inference API does not define.
_UNSUPPORTED = ("logit_bias", "n", "logprobs", "top_logprobs", "parallel_tool_calls",
                "reasoning_effort")


@modelapi(name="azureai")
class AzureAIAPI(HttpModelAPI):
    service = "Azure AI"

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        api_version: str | None = None,
        **model_args: Any,
    ) -> None:
        api_key = api_key or env("AZUREAI_API_KEY", "AZURE_API_KEY")
        base_url = base_url or env("AZUREAI_BASE_URL")
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.api_version = api_version or env("AZUREAI_API_VERSION") or DEFAULT_API_VERSION

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        key = self.require(self.api_key, "API key", "AZUREAI_API_KEY")
        base = self.require(self.base_url, "base URL", "AZUREAI_BASE_URL")
        body = build_request(self.model_name, input, tools, tool_choice, config)
        for name in _UNSUPPORTED:
            body.pop(name, None)
        # Serverless endpoints read the bearer token, Azure AI services the api-key header.
        headers = {"api-key": key, "Authorization": f"Bearer {key}"}
        if self.model_args:
            body.update(self.model_args)
            headers["extra-parameters"] = "pass-through"
        import httpx

        try:
            data = await self.request_json(
                "POST", f"{base.rstrip('/')}/chat/completions", config, body,
                headers=headers, params={"api-version": self.api_version},
            )
        except httpx.HTTPStatusError as ex:
            if is_content_filter(ex):
                return content_filtered(self.model_name, ex)
            raise
        return parse_response(data, self.model_name)

    def connection_key(self) -> str:
        return f"azureai:{self.base_url}:{hash(self.api_key)}"


def is_content_filter(ex: httpx.HTTPStatusError) -> bool:
    """Azure refuses a filtered prompt with HTTP 400 and error code `content_filter`."""
    if ex.response.status_code != 400:
        return False
    try:
        error = json.loads(ex.response.content).get("error") or {}
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("code") == "content_filter"


def content_filtered(model: str, ex: httpx.HTTPStatusError) -> ModelOutput:
    output = ModelOutput.from_content(model, "", stop_reason="content_filter")
    output.error = str(ex)
    return output
