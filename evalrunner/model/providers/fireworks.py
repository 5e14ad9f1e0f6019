"""fireworks: models hosted by Fireworks AI (`fireworks/accounts/fireworks/models/...`).

Environment: FIREWORKS_API_KEY and FIREWORKS_BASE_URL (default https://api.fireworks.ai/inference/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="fireworks")
class FireworksAPI(ServiceAPI):
    service = "Fireworks AI"
    api_key_env = "FIREWORKS_API_KEY"
    base_url_env = "FIREWORKS_BASE_URL"
    default_base_url = "https://api.fireworks.ai/inference/v1"
    accepts_top_k = True
