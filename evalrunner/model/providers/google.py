"""google: the Gemini API's generateContent (`google/<model>`), or Vertex AI's (_vertex).

Environment: GOOGLE_API_KEY (or GEMINI_API_KEY) and GOOGLE_BASE_URL (default
https://generativelanguage.googleapis.com/v1beta). `-M` arguments are added to the
request body (for example `-M safetySettings=[...]`, `-M cachedContent=...`). Rate limits
(429 RESOURCE_EXHAUSTED, with the server's RetryInfo delay), 500, 503 and 504 are retried.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from ...tools._info import ToolChoice, ToolInfo
from .._api import modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._google_wire import build_request, parse_response
from ._http import HttpModelAPI, env
from ._vertex import Vertex, vertex_chosen

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"
_DELAY = re.compile(r"^(\d+(?:\.\d+)?)s$")


@modelapi(name="google")
class GoogleAPI(HttpModelAPI):
    native_response_schema = True
    service = "Google"
    media_types = frozenset({"image", "audio", "video"})

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        vertex: bool | None = None,
        project: str | None = None,
        location: str | None = None,
        impersonate: str | None = None,
        **model_args: Any,
    ) -> None:
        api_key = api_key or env("GOOGLE_API_KEY", "GEMINI_API_KEY")
        self.vertex = (Vertex(project, location, base_url, impersonate)
                       if vertex_chosen(vertex) else None)
        base_url = base_url or env("GOOGLE_BASE_URL") or DEFAULT_BASE_URL
        super().__init__(model_name.removeprefix("models/"), base_url, api_key, config,
                         **model_args)

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        if self.vertex is not None:
            url = self.vertex.url(self.model_name)
            headers = await self.vertex.headers(self.api_key, self.client())
        else:
            key = self.require(self.api_key, "API key", "GOOGLE_API_KEY")
            base = (self.base_url or DEFAULT_BASE_URL).rstrip("/")
            url = f"{base}/models/{quote(self.model_name, safe='')}:generateContent"
            headers = {"x-goog-api-key": key}
        body = await build_request(input, tools, tool_choice, config)
        body.update(self.model_args)
        data = await self.request_json("POST", url, config, body, headers=headers)
        return parse_response(data, self.model_name)

    def connection_key(self) -> str:
        if self.vertex is not None:
            return f"vertex:{self.vertex.host}:{self.vertex.project}:{self.vertex.location}"
        return f"google:{self.base_url}:{hash(self.api_key)}"

    def retry_after(self, ex: BaseException) -> float | None:
        """Retry-After if sent, else the `RetryInfo.retryDelay` Gemini puts in error details."""
        import httpx

        after = super().retry_after(ex)
        if after is not None or not isinstance(ex, httpx.HTTPStatusError):
            return after
        try:
            details = ex.response.json().get("error", {}).get("details") or []
        except ValueError:
            return None
        for detail in details:
            match = _DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
        return None
