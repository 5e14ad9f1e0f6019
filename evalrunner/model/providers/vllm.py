"""vllm: a running vLLM server (`vllm serve <model>`); the key is optional.

Environment: VLLM_API_KEY (optional) and VLLM_BASE_URL (default http://localhost:8000/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="vllm")
class VLLMAPI(ServiceAPI):
    service = "vLLM"
    api_key_env = "VLLM_API_KEY"
    base_url_env = "VLLM_BASE_URL"
    default_base_url = "http://localhost:8000/v1"
    api_key_required = False
    accepts_top_k = True
