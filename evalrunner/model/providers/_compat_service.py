"""ServiceAPI: an OpenAI-compatible service whose `-M` arguments join the request body.

Hosted and local OpenAI-compatible servers take fields OpenAI does not define
(`top_k`, `repetition_penalty`, OpenRouter's `provider`, ...). A service module sets its
defaults as class attributes; `-M key=value` arguments are added to every request body,
and `top_k` from the generation config is sent where the service understands it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .._config import GenerateConfig
from ._openai_compat import OpenAICompatibleAPI


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
