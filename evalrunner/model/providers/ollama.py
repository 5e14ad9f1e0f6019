"""ollama: a running Ollama server (`ollama/llama3.2`); no key needed.

Environment: OLLAMA_API_KEY (optional) and OLLAMA_BASE_URL (default http://localhost:11434/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="ollama")
class OllamaAPI(ServiceAPI):
    service = "Ollama"
    api_key_env = "OLLAMA_API_KEY"
    base_url_env = "OLLAMA_BASE_URL"
    default_base_url = "http://localhost:11434/v1"
    api_key_required = False
    accepts_top_k = True
