"""openai: OpenAI's Chat Completions API (`openai/<model>`).

Environment: OPENAI_API_KEY, OPENAI_BASE_URL (default https://api.openai.com/v1) and
OPENAI_ORG_ID; a `base_url` argument takes precedence over the environment. With
AZUREAI_OPENAI_API_KEY set the model is an Azure OpenAI deployment (see _azure_openai).
"""

from __future__ import annotations

import os
from typing import Any

from .._api import modelapi
from .._batch import BatchBackend
from .._config import GenerateConfig
from ._openai_compat import OpenAICompatibleAPI
from ._openai_wire import OPENAI_REASONING_MODELS


@modelapi(name="openai")
class OpenAIAPI(OpenAICompatibleAPI):
    service = "OpenAI"
    api_key_env = "OPENAI_API_KEY"
    base_url_env = "OPENAI_BASE_URL"
    default_base_url = "https://api.openai.com/v1"
    reasoning_models = OPENAI_REASONING_MODELS

    def __new__(cls, *args: Any, **kwargs: Any) -> OpenAIAPI:
        # AZUREAI_OPENAI_API_KEY (or -M azure=true) sends openai/<deployment> to Azure.
        if cls is OpenAIAPI and (kwargs.get("azure") or os.environ.get("AZUREAI_OPENAI_API_KEY")):
            from ._azure_openai import AzureOpenAIAPI

            return super().__new__(AzureOpenAIAPI)
        return super().__new__(cls)

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        organization: str | None = None,
        azure: bool = False,  # read by __new__; not a request field
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self.organization = organization or os.environ.get("OPENAI_ORG_ID") or None

    def headers(self) -> dict[str, str]:
        return {"OpenAI-Organization": self.organization} if self.organization else {}

    def batch_backend(self) -> BatchBackend | None:
        from ._openai_batch import OpenAIBatch

        return OpenAIBatch(self)
