"""grok: xAI's Grok models.

Environment: GROK_API_KEY and GROK_BASE_URL (default https://api.x.ai/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="grok")
class GrokAPI(ServiceAPI):
    service = "Grok"
    api_key_env = "GROK_API_KEY"
    base_url_env = "GROK_BASE_URL"
    default_base_url = "https://api.x.ai/v1"
