"""llama-cpp-python: a llama.cpp server (`python -m llama_cpp.server --model FILE.gguf`).

Environment: LLAMA_CPP_PYTHON_API_KEY (optional) and LLAMA_CPP_PYTHON_BASE_URL (default http://localhost:8000/v1).
`-M key=value` arguments are added to the request body.
"""

from __future__ import annotations

from .._api import modelapi
from ._compat_service import ServiceAPI


@modelapi(name="llama-cpp-python")
class LlamaCppPythonAPI(ServiceAPI):
    service = "llama-cpp-python"
    api_key_env = "LLAMA_CPP_PYTHON_API_KEY"
    base_url_env = "LLAMA_CPP_PYTHON_BASE_URL"
    default_base_url = "http://localhost:8000/v1"
    api_key_required = False
    accepts_top_k = True
    # The server penalizes repeats (1.1) unless told otherwise; OpenAI semantics, and the
    # in-process `local` provider, do not. `-M repeat_penalty=1.1` restores it.
    body_defaults = {"repeat_penalty": 1.0}
