"""groq: models served by Groq.

Environment: GROQ_API_KEY and GROQ_BASE_URL (default https://api.groq.com/openai/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="groq")
class GroqAPI(ServiceAPI):
    service = "Groq"
    api_key_env = "GROQ_API_KEY"
    base_url_env = "GROQ_BASE_URL"
    default_base_url = "https://api.groq.com/openai/v1"
