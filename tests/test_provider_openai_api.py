"""openai-api/<service>/<model>: any OpenAI-compatible endpoint, configured by environment."""

from __future__ import annotations

import pytest

from evalrunner.model import ModelAPIError, get_model
from tests.servers.openai_server import start_openai_server


async def test_service_env_vars_and_wire_model(monkeypatch: pytest.MonkeyPatch) -> None:
    with start_openai_server(api_key="svc-key-123456") as server:
        monkeypatch.setenv("MY_SVC_API_KEY", "svc-key-123456")
        monkeypatch.setenv("MY_SVC_BASE_URL", server.url.removesuffix("/v1"))
        async with get_model("openai-api/my-svc/llama-3.1-8b", memoize=False) as model:
            output = await model.generate("ping")
    assert output.completion == "ping"
    [request] = server.requests
    # A base URL without /v1 works too: the server also serves /chat/completions.
    assert request.path == "/chat/completions" and not request.rejected
    assert request.body["model"] == "llama-3.1-8b"
    assert request.headers["authorization"] == "Bearer svc-key-123456"


async def test_missing_base_url_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_SVC_BASE_URL", raising=False)
    monkeypatch.setenv("MY_SVC_API_KEY", "svc-key-123456")
    model = get_model("openai-api/my-svc/m", memoize=False)
    with pytest.raises(ModelAPIError, match="MY_SVC_BASE_URL"):
        await model.generate("hi")


async def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    model = get_model("openai-api/vllm/m", memoize=False)
    with pytest.raises(ModelAPIError, match="VLLM_API_KEY"):
        await model.generate("hi")


def test_name_needs_service_and_model() -> None:
    with pytest.raises(ValueError, match="openai-api/<service>/<model>"):
        get_model("openai-api/only-service", memoize=False)
