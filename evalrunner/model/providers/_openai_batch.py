"""OpenAI's Batch API as a BatchBackend: a JSONL file of chat completion requests is
uploaded, a batch created from it and polled, and the output file read back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..._util.http import http_client
from ..._util.secrets import redact
from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPIError
from .._batch import BatchBackend, BatchResults
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from ._http import error_text, synthetic_status_error
from ._openai_wire import build_request, parse_response

if TYPE_CHECKING:
    import httpx

    from .openai import OpenAIAPI

ENDPOINT = "/v1/chat/completions"
_RUNNING = {"validating", "in_progress", "finalizing", "cancelling"}


class OpenAIBatch(BatchBackend):
    max_size = 50_000
    endpoint = ENDPOINT  # the `url` of each request line, and the batch's endpoint

    def __init__(self, api: OpenAIAPI) -> None:
        self.api = api
        self._client: httpx.AsyncClient | None = None

    def request_body(
        self,
        messages: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> dict[str, Any]:
        model = self.api.wire_model()
        pattern = self.api.reasoning_models
        completion_tokens = bool(pattern and pattern.match(model))
        return build_request(model, messages, tools, tool_choice, config, completion_tokens)

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            if not self.api.api_key:
                raise ModelAPIError(f"no API key for OpenAI: set {self.api.api_key_env}")
            base = (self.api.base_url or "https://api.openai.com/v1").rstrip("/") + "/"
            headers = {"Authorization": f"Bearer {self.api.api_key}", **self.api.headers()}
            self._client = http_client(base_url=base, headers=headers)
        return self._client

    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        lines = [
            json.dumps({"custom_id": cid, "method": "POST", "url": self.endpoint, "body": body})
            for cid, body in requests
        ]
        upload = await self._json(self.client().post(
            "files",
            data={"purpose": "batch"},
            files={"file": ("batch.jsonl", ("\n".join(lines) + "\n").encode(),
                            "application/jsonl")},
        ))
        batch = await self._json(self.client().post(
            "batches",
            json={"input_file_id": upload["id"], "endpoint": self.endpoint,
                  "completion_window": "24h"},
        ))
        return str(batch["id"])

    async def check(self, batch_id: str) -> BatchResults | None:
        batch = await self._json(self.client().get(f"batches/{batch_id}"))
        status = batch.get("status")
        if status in _RUNNING:
            return None
        if status == "failed":
            errors = (batch.get("errors") or {}).get("data") or []
            detail = "; ".join(str(e.get("message")) for e in errors) or "no detail"
            raise ModelAPIError(f"OpenAI batch {batch_id} failed: {redact(detail)}")
        results: BatchResults = {}
        for key in ("output_file_id", "error_file_id"):
            if batch.get(key):
                response = await self.client().get(f"files/{batch[key]}/content")
                if response.status_code >= 400:
                    raise self._error(response)
                for line in response.text.splitlines():
                    if line.strip():
                        item = json.loads(line)
                        results[str(item.get("custom_id"))] = self._result(item)
                        self.replies[str(item.get("custom_id"))] = (
                            (item.get("response") or {}).get("body") or item.get("error"))
        # Requests an expired or cancelled batch never ran are absent: the batcher fails
        # them with a clear message, and a retry sends them again.
        return results

    def _result(self, item: dict[str, Any]) -> Any:
        response = item.get("response") or {}
        status = int(response.get("status_code") or 0)
        body = response.get("body")
        url = f"{self.api.base_url}/chat/completions"
        if status == 200 and isinstance(body, dict):
            return parse_response(body, self.api.wire_model())
        error = item.get("error") or {}
        if error.get("code") == "batch_expired":
            return synthetic_status_error(408, "OpenAI batch request expired", url)
        message = error.get("message") or (
            error_text(json.dumps(body).encode()) if body else "no response"
        )
        return synthetic_status_error(status or 500, f"OpenAI batch request failed: {message}",
                                      url)

    async def _json(self, request: Any) -> dict[str, Any]:
        response: httpx.Response = await request
        if response.status_code >= 400:
            raise self._error(response)
        data: dict[str, Any] = response.json()
        return data

    def _error(self, response: httpx.Response) -> httpx.HTTPStatusError:
        import httpx

        detail = redact(error_text(response.content))
        return httpx.HTTPStatusError(
            f"OpenAI batch request failed with HTTP {response.status_code}: {detail}",
            request=response.request, response=response,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


class AzureOpenAIBatch(OpenAIBatch):
    """Azure OpenAI's Batch API: the same files and batches under the resource's
    /openai path, with the `api-key` header and the API version as a query parameter."""

    endpoint = "/chat/completions"

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            api: Any = self.api
            if not api.api_key or not api.endpoint:
                raise ModelAPIError(
                    "Azure OpenAI batches need AZUREAI_OPENAI_API_KEY and AZUREAI_OPENAI_BASE_URL"
                )
            root = str(api.endpoint).rstrip("/")
            v1 = api.api_version == "v1"
            self._client = http_client(
                base_url=f"{root}/openai/v1/" if v1 else f"{root}/openai/",
                headers={"api-key": api.api_key, **api.headers()},
                params=None if v1 else {"api-version": api.api_version},
            )
        return self._client
