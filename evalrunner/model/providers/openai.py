"""openai: OpenAI's Chat Completions API (`openai/<model>`).

Environment: OPENAI_API_KEY, OPENAI_BASE_URL (default https://api.openai.com/v1) and
OPENAI_ORG_ID; a `base_url` argument takes precedence over the environment. With
`-M azure=true`, or AZUREAI_OPENAI_API_KEY set and neither OPENAI_API_KEY nor
OPENAI_BASE_URL, the model is an Azure OpenAI deployment (see _azure_openai).
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
        if cls is OpenAIAPI and _azure(kwargs):
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


def _azure(kwargs: dict[str, Any]) -> bool:
    """Whether `openai/<name>` means an Azure deployment.

    An Azure key alone must not take over a working OpenAI set-up (a `.env` that sets it
    would send every `openai/*` call, and the prompts, to Azure): it counts only when
    nothing points at OpenAI, neither a key nor a base URL, in arguments or environment.
    """
    if kwargs.get("azure"):
        return True
    if not os.environ.get("AZUREAI_OPENAI_API_KEY"):
        return False
    openai_given = kwargs.get("api_key") or kwargs.get("base_url")
    return not (openai_given or os.environ.get("OPENAI_API_KEY")
                or os.environ.get("OPENAI_BASE_URL"))
