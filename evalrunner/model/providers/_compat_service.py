"""ServiceAPI: an OpenAI-compatible service whose `-M` arguments join the request body.

Hosted and local OpenAI-compatible servers take fields OpenAI does not define
(`top_k`, `repetition_penalty`, OpenRouter's `provider`, ...). A service module sets its
defaults as class attributes; `-M key=value` arguments are added to every request body,
and `top_k` from the generation config is sent where the service understands it.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from ..._util.secrets import redact
from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPIError
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._model import DEFAULT_TIMEOUT
from .._output import ModelOutput
from ._openai_compat import OpenAICompatibleAPI
from ._openai_wire import build_request, error_message, parse_response


class ServiceAPI(OpenAICompatibleAPI):
    # Fields added to every body unless a `-M` argument sets them.
    body_defaults: ClassVar[dict[str, Any]] = {}
    # Whether the service reads `top_k` (OpenAI's own API does not).
    accepts_top_k: ClassVar[bool] = False

    def extra_body(self, config: GenerateConfig) -> dict[str, Any]:
        """Defaults, then `-M` arguments (`-M name=null` removes a default), then top_k."""
        extra = {**self.body_defaults, **self.model_args}
        if self.accepts_top_k and config.top_k is not None:
            extra.setdefault("top_k", config.top_k)
        return {k: v for k, v in extra.items() if v is not None}

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        extra = self.extra_body(config)
        if not extra:
            return await super().generate(input, tools, tool_choice, config)
        # The shared path with the extra fields merged into the body.
        client = self._client or self._create_client(config)
        model = self.wire_model()
        body = build_request(model, input, tools, tool_choice, config,
                             self._completion_tokens_field)
        body.update(extra)
        response = await client.post(
            "chat/completions", content=json.dumps(body).encode(),
            timeout=config.timeout or DEFAULT_TIMEOUT,
        )
        if response.status_code >= 400:
            raise self._status_error(response)
        try:
            data = json.loads(response.content)
        except ValueError:
            raise ModelAPIError(
                f"{self.service} returned a reply that is not JSON: "
                f"{redact(response.text[:200])!r}"
            ) from None
        if not isinstance(data, dict) or ("error" in data and not data.get("choices")):
            raise ModelAPIError(
                f"{self.service} returned an error: {redact(error_message(response.content))}"
            )
        return parse_response(data, model)
