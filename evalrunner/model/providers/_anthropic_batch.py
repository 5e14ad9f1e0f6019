"""Anthropic's Message Batches API as a BatchBackend."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPIError
from .._batch import BatchBackend, BatchResults
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from ._anthropic_wire import ERROR_STATUS, parse_response
from ._http import synthetic_status_error

if TYPE_CHECKING:
    from .anthropic import AnthropicAPI


class AnthropicBatch(BatchBackend):
    max_size = 100_000

    def __init__(self, api: AnthropicAPI) -> None:
        self.api = api
        self.config = api.config
        self._natives: dict[str, ToolInfo] = {}

    def request_body(
        self,
        messages: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> dict[str, Any]:
        # A native tool's beta goes on the batch's request: remember which were offered.
        self._natives.update({t.name: t for t in tools if t.native})
        return self.api.request_body(messages, tools, tool_choice, config)

    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        body = {"requests": [{"custom_id": cid, "params": params} for cid, params in requests]}
        data = await self.api.request_json(
            "POST", self.api.url("v1/messages/batches"), self.config, body,
            headers=self.api.headers(list(self._natives.values())),
        )
        return str(data["id"])

    async def check(self, batch_id: str) -> BatchResults | None:
        status_url = self.api.url(f"v1/messages/batches/{batch_id}")
        data = await self.api.request_json(
            "GET", status_url, self.config, headers=self.api.headers()
        )
        if data.get("processing_status") != "ended":
            return None
        response = await self.api.client().get(
            self._results_url(batch_id, data.get("results_url")), headers=self.api.headers()
        )
        if response.status_code >= 400:
            raise self.api.status_error(response)
        results: BatchResults = {}
        for line in response.text.splitlines():
            if line.strip():
                item = json.loads(line)
                results[str(item.get("custom_id"))] = self._result(item.get("result") or {})
                self.replies[str(item.get("custom_id"))] = item.get("result")
        return results

    def _results_url(self, batch_id: str, url: Any) -> str:
        # Credentials go only to the API's own host.
        base = urlsplit(self.api.url(""))
        if isinstance(url, str) and urlsplit(url)[:2] == base[:2]:
            return url
        return self.api.url(f"v1/messages/batches/{batch_id}/results")

    def _result(self, result: dict[str, Any]) -> Any:
        kind = result.get("type")
        if kind == "succeeded":
            return parse_response(result.get("message") or {}, self.api.model_name)
        url = self.api.url("v1/messages")
        if kind == "errored":
            error = (result.get("error") or {}).get("error") or result.get("error") or {}
            status = ERROR_STATUS.get(str(error.get("type")), 500)
            return synthetic_status_error(
                status, f"Anthropic batch request failed: {error.get('message')}", url
            )
        if kind == "expired":
            # Not processed in time: worth sending again in a later batch.
            return synthetic_status_error(408, "Anthropic batch request expired", url)
        return ModelAPIError(f"Anthropic batch request was {kind or 'lost'}")

    async def aclose(self) -> None:
        """The backend shares the provider's client, which the provider closes."""
