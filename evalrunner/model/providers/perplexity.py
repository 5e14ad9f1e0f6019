"""perplexity: Perplexity's search-backed Sonar models.

Environment: PERPLEXITY_API_KEY and PERPLEXITY_BASE_URL (default https://api.perplexity.ai).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="perplexity")
class PerplexityAPI(ServiceAPI):
    service = "Perplexity"
    api_key_env = "PERPLEXITY_API_KEY"
    base_url_env = "PERPLEXITY_BASE_URL"
    default_base_url = "https://api.perplexity.ai"
