"""anthropic: Anthropic's Messages API (`anthropic/<model>`).

Environment: ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL (default https://api.anthropic.com).
`-M betas=[...]` sends `anthropic-beta`; any other `-M` argument is added to the request
body as is (for example `-M service_tier=auto`). Overloaded (529), rate-limited and 5xx
requests are retried by the Model's policy; `--batch` uses the Message Batches API.
"""

from __future__ import annotations

from typing import Any

from ...tools._info import ToolChoice, ToolInfo
from .._api import modelapi
from .._batch import BatchBackend
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._anthropic_wire import (
    ANTHROPIC_VERSION,
    DEFAULT_MAX_TOKENS,
    build_request,
    native_betas,
    parse_response,
)
from ._http import HttpModelAPI, env

DEFAULT_BASE_URL = "https://api.anthropic.com"


@modelapi(name="anthropic")
class AnthropicAPI(HttpModelAPI):
    service = "Anthropic"

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        betas: list[str] | str | None = None,
        **model_args: Any,
    ) -> None:
        api_key = api_key or env("ANTHROPIC_API_KEY")
        base_url = base_url or env("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.betas = [betas] if isinstance(betas, str) else list(betas or [])

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_TOKENS

    def url(self, path: str) -> str:
        return f"{(self.base_url or DEFAULT_BASE_URL).rstrip('/')}/{path}"

    def headers(self, tools: list[ToolInfo] | None = None) -> dict[str, str]:
        key = self.require(self.api_key, "API key", "ANTHROPIC_API_KEY")
        headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
        betas = list(dict.fromkeys([*self.betas, *native_betas(tools or [], self.model_name)]))
        if betas:
            headers["anthropic-beta"] = ",".join(betas)
        return headers

    def request_body(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> dict[str, Any]:
        body = build_request(self.model_name, input, tools, tool_choice, config)
        body.update(self.model_args)
        return body

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        body = self.request_body(input, tools, tool_choice, config)
        data = await self.request_json(
            "POST", self.url("v1/messages"), config, body, headers=self.headers(tools)
        )
        return parse_response(data, self.model_name)

    def connection_key(self) -> str:
        return f"anthropic:{self.base_url}:{hash(self.api_key)}"

    def batch_backend(self) -> BatchBackend | None:
        from ._anthropic_batch import AnthropicBatch

        return AnthropicBatch(self)
