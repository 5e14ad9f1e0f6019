"""deepseek: DeepSeek's hosted models.

Environment: DEEPSEEK_API_KEY and DEEPSEEK_BASE_URL (default https://api.deepseek.com/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="deepseek")
class DeepSeekAPI(ServiceAPI):
    service = "DeepSeek"
    api_key_env = "DEEPSEEK_API_KEY"
    base_url_env = "DEEPSEEK_BASE_URL"
    default_base_url = "https://api.deepseek.com/v1"
