"""openai-api: any OpenAI-compatible endpoint (`openai-api/<service>/<model>`).

The key and base URL come from `<SERVICE>_API_KEY` and `<SERVICE>_BASE_URL`, with the
service name upper-cased and `-` turned into `_` (`openai-api/my-vllm/llama` reads
MY_VLLM_API_KEY and MY_VLLM_BASE_URL). The base URL has no default.
"""

from __future__ import annotations

from typing import Any

from .._api import modelapi
from .._config import GenerateConfig
from ._openai_compat import OpenAICompatibleAPI


@modelapi(name="openai-api")
class OpenAIServiceAPI(OpenAICompatibleAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        service, _, model = model_name.partition("/")
        if not service or not model:
            raise ValueError(
                f"model 'openai-api/{model_name}' is not of the form openai-api/<service>/<model>"
            )
        prefix = service.upper().replace("-", "_")
        self.service = service
        self.api_key_env = f"{prefix}_API_KEY"
        self.base_url_env = f"{prefix}_BASE_URL"
        self._wire_model = model
        super().__init__(model_name, base_url, api_key, config, **model_args)

    def wire_model(self) -> str:
        return self._wire_model
