"""openai: OpenAI's Chat Completions and Responses APIs (`openai/<model>`).

Requests go to the Responses API where OpenAI requires it: models served only there
(`*-pro`, codex, computer-use, deep-research), a reasoning summary asked for, or OpenAI's
own web search offered; Chat Completions otherwise. `-M responses_api=true|false` decides
for every request.

Environment: OPENAI_API_KEY, OPENAI_BASE_URL (default https://api.openai.com/v1) and
OPENAI_ORG_ID; a `base_url` argument takes precedence over the environment. An Azure
OpenAI deployment is a provider of its own, `azure-openai/<deployment>` (azure_openai.py):
`openai/*` always means OpenAI, whatever Azure variables a `.env` sets.
"""

from __future__ import annotations

import os
import re
from typing import Any, ClassVar

from ...tools._info import ToolChoice, ToolInfo
from .._api import modelapi
from .._batch import BatchBackend
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._openai_compat import OpenAICompatibleAPI
from ._openai_responses import build_responses_request, parse_responses_response, uses_native_tools
from ._openai_wire import OPENAI_REASONING_MODELS

# Models OpenAI serves through the Responses API only.
RESPONSES_ONLY = re.compile(r"(^o\d.*-pro|^gpt-5.*-pro|codex|computer-use|deep-research)")


@modelapi(name="openai")
class OpenAIAPI(OpenAICompatibleAPI):
    service = "OpenAI"
    api_key_env = "OPENAI_API_KEY"
    base_url_env = "OPENAI_BASE_URL"
    default_base_url = "https://api.openai.com/v1"
    reasoning_models = OPENAI_REASONING_MODELS
    # Azure deployments keep Chat Completions unless told (-M responses_api=true).
    responses_by_default: ClassVar[bool] = True

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        organization: str | None = None,
        responses_api: bool | None = None,
        **model_args: Any,
    ) -> None:
        if "azure" in model_args:
            raise ValueError("Azure OpenAI is its own provider: use azure-openai/<deployment> "
                             "(AZUREAI_OPENAI_API_KEY, AZUREAI_OPENAI_BASE_URL)")
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.organization = organization or os.environ.get("OPENAI_ORG_ID") or None
        self.responses_api = responses_api

    def use_responses(self, tools: list[ToolInfo], config: GenerateConfig) -> bool:
        """Whether this request goes to the Responses API (see the module docstring)."""
        if self.responses_api is not None:
            return self.responses_api
        if not self.responses_by_default:
            return False
        return bool(
            RESPONSES_ONLY.search(self.wire_model())
            or uses_native_tools(tools, self.wire_model())
            or config.reasoning_summary not in (None, "none")
        )

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        if not self.use_responses(tools, config):
            return await super().generate(input, tools, tool_choice, config)
        model = self.wire_model()
        body = build_responses_request(model, input, tools, tool_choice, config)
        body.update(self.extra_body(config))
        data = await self.post_json("responses", body, config)
        return parse_responses_response(data, model)

    def headers(self) -> dict[str, str]:
        return {"OpenAI-Organization": self.organization} if self.organization else {}

    def batch_backend(self) -> BatchBackend | None:
        from ._openai_batch import OpenAIBatch

        return OpenAIBatch(self)


