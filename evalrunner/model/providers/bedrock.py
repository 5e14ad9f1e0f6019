"""bedrock: AWS Bedrock's Converse API (`bedrock/<model id>`), SigV4-signed.

Credentials: whatever botocore's chain finds (the `bedrock` extra; see _aws): environment
variables, profiles (AWS_PROFILE, or `-M profile=...`), assume-role, credential_process,
SSO, container and instance credentials. A Bedrock API key in AWS_BEARER_TOKEN_BEDROCK is
used instead when set (no extra needed). Region: `-M region=...`, AWS_REGION,
AWS_DEFAULT_REGION, else the profile's region. BEDROCK_BASE_URL replaces the regional
endpoint. Any other `-M`
argument goes into `additionalModelRequestFields`. Throttling (429), timeouts (408) and
5xx are retried.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ...events._calls import note_exchange
from ...tools._info import ToolChoice, ToolInfo
from .._api import modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._model import DEFAULT_TIMEOUT
from .._output import ModelOutput
from ._aws import AwsSigner, profile_region
from ._bedrock_wire import build_request, parse_response
from ._http import HttpModelAPI, env, error_text

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py


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
        self.profile = profile
        self.region = region or env("AWS_REGION", "AWS_DEFAULT_REGION")
        if self.region is None and not self.api_key:
            self.region = profile_region(profile)
        self._signer: AwsSigner | None = None

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
        headers = await self._auth(url, headers, content)
        response = await self.client().post(
            url, content=content, headers=headers, timeout=config.timeout or DEFAULT_TIMEOUT
        )
        data = self.decode(response)
        # The body as sent and the reply as received, for the model event: the signature
        # and credentials are in the headers, which are never recorded.
        note_exchange(body, data)
        return parse_response(data, self.model_name)

    async def _auth(self, url: str, headers: dict[str, str], content: bytes) -> dict[str, str]:
        if self.api_key:
            return {**headers, "Authorization": f"Bearer {self.api_key}"}
        if self._signer is None:
            region = self.require(self.region, "region", "AWS_REGION (or -M region=...)")
            self._signer = AwsSigner("bedrock", region, self.profile)
        return await self._signer.sign("POST", url, headers, content)

    def error_detail(self, response: httpx.Response) -> str:
        kind = response.headers.get("x-amzn-errortype", "").split(":")[0]
        detail = error_text(response.content)
        return f"{kind}: {detail}" if kind else detail

    def connection_key(self) -> str:
        return f"bedrock:{self.endpoint() if self.base_url or self.region else ''}:{self.profile}"
