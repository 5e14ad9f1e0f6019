"""bedrock: AWS Bedrock's Converse API (`bedrock/<model id>`), SigV4-signed by hand.

Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, else the
shared credentials file (AWS_PROFILE, or `-M profile=...`); a Bedrock API key in
AWS_BEARER_TOKEN_BEDROCK is used instead when set. Region: `-M region=...`, AWS_REGION or
AWS_DEFAULT_REGION. BEDROCK_BASE_URL replaces the regional endpoint. Any other `-M`
argument goes into `additionalModelRequestFields`. Throttling (429), timeouts (408) and
5xx are retried.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPIError, modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._model import DEFAULT_TIMEOUT
from .._output import ModelOutput
from ._bedrock_wire import build_request, parse_response
from ._http import HttpModelAPI, env, error_text
from ._sigv4 import Credentials, find_credentials, sign


@modelapi(name="bedrock")
class BedrockAPI(HttpModelAPI):
    service = "Bedrock"

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        region: str | None = None,
        profile: str | None = None,
        **model_args: Any,
    ) -> None:
        api_key = api_key or env("AWS_BEARER_TOKEN_BEDROCK")
        base_url = base_url or env("BEDROCK_BASE_URL")
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.region = region or env("AWS_REGION", "AWS_DEFAULT_REGION")
        self.profile = profile

    def endpoint(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        region = self.require(self.region, "region", "AWS_REGION (or -M region=...)")
        return f"https://bedrock-runtime.{region}.amazonaws.com"

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        body = await build_request(self.model_name, input, tools, tool_choice, config)
        if self.model_args:
            body.setdefault("additionalModelRequestFields", {}).update(self.model_args)
        url = f"{self.endpoint()}/model/{quote(self.model_name, safe='')}/converse"
        content = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        headers.update(self._auth(url, headers, content))
        response = await self.client().post(
            url, content=content, headers=headers, timeout=config.timeout or DEFAULT_TIMEOUT
        )
        return parse_response(self.decode(response), self.model_name)

    def _auth(self, url: str, headers: dict[str, str], content: bytes) -> dict[str, str]:
        if self.api_key:
            return {"Authorization": f"Bearer {self.api_key}"}
        credentials = self._credentials()
        region = self.require(self.region, "region", "AWS_REGION (or -M region=...)")
        return sign("POST", url, headers, content, credentials, region, "bedrock")

    def _credentials(self) -> Credentials:
        credentials = find_credentials(self.profile)
        if credentials is None:
            raise ModelAPIError(
                "no AWS credentials for Bedrock: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, a profile in ~/.aws/credentials, or "
                "AWS_BEARER_TOKEN_BEDROCK"
            )
        return credentials

    def error_detail(self, response: httpx.Response) -> str:
        kind = response.headers.get("x-amzn-errortype", "").split(":")[0]
        detail = error_text(response.content)
        return f"{kind}: {detail}" if kind else detail

    def connection_key(self) -> str:
        return f"bedrock:{self.endpoint() if self.base_url or self.region else ''}:{self.profile}"
