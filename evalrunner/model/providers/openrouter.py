"""openrouter: any model OpenRouter routes to (`openrouter/anthropic/claude-3.5-sonnet`).

Environment: OPENROUTER_API_KEY and OPENROUTER_BASE_URL (default https://openrouter.ai/api/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="openrouter")
class OpenRouterAPI(ServiceAPI):
    service = "OpenRouter"
    api_key_env = "OPENROUTER_API_KEY"
    base_url_env = "OPENROUTER_BASE_URL"
    default_base_url = "https://openrouter.ai/api/v1"
    accepts_top_k = True
