"""OpenAICompatibleAPI: any Chat Completions endpoint over httpx.

A provider for another OpenAI-compatible service is a subclass that only sets its
defaults, for example::

    @modelapi(name="groq")
    class GroqAPI(OpenAICompatibleAPI):
        service = "Groq"
        api_key_env = "GROQ_API_KEY"
        base_url_env = "GROQ_BASE_URL"
        default_base_url = "https://api.groq.com/openai/v1"

Retries are not handled here: errors are raised as `httpx.HTTPStatusError` (or httpx's
timeout and network errors) and the Model's single retry policy decides.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Any, ClassVar

from ..._util.http import http_client
from ..._util.secrets import redact
from ...events._calls import note_exchange
from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPIError
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._model import DEFAULT_TIMEOUT
from .._output import ModelOutput
from ._http import HttpModelAPI
from ._openai_wire import build_request, error_message, parse_response
from ._replicas import ReplicaPool, parse_base_urls

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py


class OpenAICompatibleAPI(HttpModelAPI):
    """A Chat Completions provider; subclasses set the class attributes below. Its client
    (one per replica URL) carries the base URL and the key."""

    native_response_schema = True

    service = "OpenAI-compatible"
    api_key_env: str | None = None
    base_url_env: str | None = None
    default_base_url: ClassVar[str | None] = None
    # Local servers (vllm, ollama...) often run without a key.
    api_key_required: ClassVar[bool] = True
    # Models that take `max_completion_tokens` instead of `max_tokens`.
    reasoning_models: ClassVar[re.Pattern[str] | None] = None
    # Chat Completions takes `image_url` and `input_audio` parts.
    media_types: ClassVar[frozenset[str]] = frozenset({"image", "audio"})

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        # Reading the environment is fine here; touching the network is not.
        api_key = api_key or _env(self.api_key_env)
        self._pool: ReplicaPool | None = None
        urls = model_args.pop("base_urls", None)
        if urls is not None:
            replicas = parse_base_urls(urls)
            # The first names the model in cache keys: any replica gives the same answers.
            base_url = replicas[0]
            self._pool = ReplicaPool(replicas, self._healthy)
        base_url = base_url or _env(self.base_url_env) or self.default_base_url
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self._completion_tokens_field = bool(
            self.reasoning_models and self.reasoning_models.match(self.wire_model())
        )

    def unreachable(self) -> str | None:
        if self.base_url or self._pool is not None:
            return None
        return f"no base URL for {self.service}: set {self.base_url_env or 'base_url'}"

    def wire_model(self) -> str:
        """The model name sent in the request body."""
        return self.model_name

    def headers(self) -> dict[str, str]:
        """Headers sent with every request (the key is added by the client)."""
        return {}

    def extra_body(self, config: GenerateConfig) -> dict[str, Any]:
        """Fields added to every request body: the `-M` arguments the class did not take."""
        return {k: v for k, v in self.model_args.items() if v is not None}

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        model = self.wire_model()
        body = build_request(
            model, input, tools, tool_choice, config, self._completion_tokens_field
        )
        body.update(self.extra_body(config))
        data = await self.post_json("chat/completions", body, config)
        if "error" in data and not data.get("choices"):
            detail = error_message(json.dumps(data).encode())
            raise ModelAPIError(f"{self.service} returned an error: {redact(detail)}")
        return parse_response(data, model)

    async def post_json(
        self, path: str, body: dict[str, Any], config: GenerateConfig
    ) -> dict[str, Any]:
        """POST `body` to `path` (of the base URL, or of a replica's); the decoded JSON
        object, or an error carrying the server's explanation (an HTTPStatusError, for the
        retry policy to read)."""
        content = json.dumps(body).encode()
        timeout = config.timeout or DEFAULT_TIMEOUT

        async def send(url: str | None) -> httpx.Response:
            response = await self.client(url, config).post(path, content=content,
                                                           timeout=timeout)
            if response.status_code >= 400:
                raise self.status_error(response)
            return response

        if self._pool is None:
            response = await send(None)
        else:
            response = await self._pool.call(send, _server_failure)
        data = self.decode(response)
        if not isinstance(data, dict):
            raise ModelAPIError(
                f"{self.service} returned an error: {redact(error_message(response.content))}"
            )
        note_exchange(body, data)  # for the model event (redacted when the log is written)
        return data

    async def _healthy(self, url: str) -> bool:
        """A replica's health check: its model list answers (any reply but a 5xx)."""
        response = await self.client(url).get("models", timeout=5.0)
        return response.status_code < 500

    def create_client(self, url: str | None, config: GenerateConfig) -> httpx.AsyncClient:
        base_url = url or self.base_url
        if not base_url:
            raise ModelAPIError(
                f"no base URL for {self.service}: set {self.base_url_env or 'base_url'}"
            )
        if self.api_key_required and not self.api_key:
            raise ModelAPIError(
                f"no API key for {self.service}: set {self.api_key_env or 'api_key'}"
            )
        headers = {"Content-Type": "application/json", **self.headers()}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return http_client(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            max_connections=config.max_connections or self.max_connections(),
        )

    def error_detail(self, response: httpx.Response) -> str:
        return error_message(response.content)


def _server_failure(ex: BaseException) -> bool:
    """A failure that counts against a replica (the server's fault, not the request's)."""
    import httpx

    return isinstance(ex, httpx.HTTPStatusError) and ex.response.status_code >= 500


def _env(name: str | None) -> str | None:
    return (os.environ.get(name) or None) if name else None
