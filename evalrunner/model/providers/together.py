"""together: open models hosted by Together AI (`together/meta-llama/...`).

Environment: TOGETHER_API_KEY and TOGETHER_BASE_URL (default https://api.together.xyz/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="together")
class TogetherAPI(ServiceAPI):
    service = "Together AI"
    api_key_env = "TOGETHER_API_KEY"
    base_url_env = "TOGETHER_BASE_URL"
    default_base_url = "https://api.together.xyz/v1"
    accepts_top_k = True
