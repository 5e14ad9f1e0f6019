"""sglang: a running SGLang server; the key is optional.

Environment: SGLANG_API_KEY (optional) and SGLANG_BASE_URL (default http://localhost:30000/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="sglang")
class SGLangAPI(ServiceAPI):
    service = "SGLang"
    api_key_env = "SGLANG_API_KEY"
    base_url_env = "SGLANG_BASE_URL"
    default_base_url = "http://localhost:30000/v1"
    api_key_required = False
    accepts_top_k = True
