"""azure-openai: an Azure OpenAI deployment (`azure-openai/<deployment>`), a provider of its own.

Environment: AZUREAI_OPENAI_API_KEY, AZUREAI_OPENAI_BASE_URL (the resource endpoint,
https://<resource>.openai.azure.com), OPENAI_API_VERSION (default 2024-10-21; `v1`
selects the version-less /openai/v1 API) and OPENAI_ORG_ID. Requests go to
/openai/deployments/<deployment>/chat/completions with the key in the `api-key` header.
A prompt refused by Azure's content filter comes back as an output with stop reason
`content_filter` rather than an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...tools._info import ToolChoice, ToolInfo
from .._api import modelapi
from .._batch import BatchBackend
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._http import env
from .azureai import content_filtered, is_content_filter
from .openai import OpenAIAPI

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py

DEFAULT_API_VERSION = "2024-10-21"


@modelapi(name="azure-openai")
class AzureOpenAIAPI(OpenAIAPI):
    service = "Azure OpenAI"
    api_key_env = "AZUREAI_OPENAI_API_KEY"
    base_url_env = "AZUREAI_OPENAI_BASE_URL"
    default_base_url = ""  # no default endpoint: AZUREAI_OPENAI_BASE_URL is required
    responses_by_default = False

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        api_version: str | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.api_version = api_version or env("OPENAI_API_VERSION") or DEFAULT_API_VERSION
        self.endpoint = self.base_url
        if self.base_url:
            root = self.base_url.rstrip("/")
            self.base_url = (
                f"{root}/openai/v1" if self.api_version == "v1"
                else f"{root}/openai/deployments/{quote(model_name, safe='')}"
            )

    def create_client(self, url: str | None, config: GenerateConfig) -> httpx.AsyncClient:
        client = super().create_client(url, config)
        # Azure reads the key from `api-key`; a bearer header is taken for an Entra token.
        client.headers.pop("Authorization", None)
        client.headers["api-key"] = self.api_key or ""
        if self.api_version != "v1":
            client.params = client.params.set("api-version", self.api_version)
        return client

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        import httpx

        try:
            return await super().generate(input, tools, tool_choice, config)
        except httpx.HTTPStatusError as ex:
            if is_content_filter(ex):
                return content_filtered(self.model_name, ex)
            raise

    def connection_key(self) -> str:
        return f"azure-openai:{self.endpoint}:{hash(self.api_key)}"

    def batch_backend(self) -> BatchBackend | None:
        # The deployment must be of a batch type (Global-Batch, DataZone-Batch).
        from ._openai_batch import AzureOpenAIBatch

        return AzureOpenAIBatch(self)
