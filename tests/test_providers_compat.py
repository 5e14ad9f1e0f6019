"""The OpenAI-compatible services: each one's environment variables, defaults and a round
trip (text, then a tool call and its result) against the strict OpenAI test server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from evalrunner.model import ChatMessageTool, ChatMessageUser, GenerateConfig, ToolInfo, get_model
from tests.servers.openai_server import ServerHandle, start_openai_server

KEY = "sk-compat-test-0123456789"

# provider, key variable, base URL variable, default base URL, key required
SERVICES = [
    ("grok", "GROK_API_KEY", "GROK_BASE_URL", "https://api.x.ai/v1", True),
    ("deepseek", "DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "https://api.deepseek.com/v1", True),
    ("together", "TOGETHER_API_KEY", "TOGETHER_BASE_URL", "https://api.together.xyz/v1", True),
    ("groq", "GROQ_API_KEY", "GROQ_BASE_URL", "https://api.groq.com/openai/v1", True),
    ("fireworks", "FIREWORKS_API_KEY", "FIREWORKS_BASE_URL",
     "https://api.fireworks.ai/inference/v1", True),
    ("openrouter", "OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1",
     True),
    ("perplexity", "PERPLEXITY_API_KEY", "PERPLEXITY_BASE_URL", "https://api.perplexity.ai",
     True),
    ("vllm", "VLLM_API_KEY", "VLLM_BASE_URL", "http://localhost:8000/v1", False),
    ("sglang", "SGLANG_API_KEY", "SGLANG_BASE_URL", "http://localhost:30000/v1", False),
    ("ollama", "OLLAMA_API_KEY", "OLLAMA_BASE_URL", "http://localhost:11434/v1", False),
    ("llama-cpp-python", "LLAMA_CPP_PYTHON_API_KEY", "LLAMA_CPP_PYTHON_BASE_URL",
     "http://localhost:8000/v1", False),
]

ECHO = ToolInfo(name="echo", description="Echo a word.", parameters={
    "type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]})


@pytest.fixture
def server() -> Iterator[ServerHandle]:
    with start_openai_server(api_key=KEY) as handle:
        yield handle


@pytest.mark.parametrize(("provider", "key_env", "url_env", "default", "required"), SERVICES)
async def test_service_round_trip(
    server: ServerHandle, monkeypatch: pytest.MonkeyPatch,
    provider: str, key_env: str, url_env: str, default: str, required: bool,
) -> None:
    monkeypatch.delenv(url_env, raising=False)
    monkeypatch.delenv(key_env, raising=False)
    assert get_model(f"{provider}/m", memoize=False).api.base_url == default
    monkeypatch.setenv(key_env, KEY)
    monkeypatch.setenv(url_env, server.url)
    replies = iter(["plain text", [{"name": "echo", "arguments": {"word": "hi"}}], "done"])
    server.options.responder = lambda body: next(replies)
    config = GenerateConfig(temperature=0.2, max_tokens=20, seed=3)
    # This strict server knows OpenAI's fields only: drop llama.cpp's repeat_penalty.
    args = {"repeat_penalty": None} if provider == "llama-cpp-python" else {}
    model = get_model(f"{provider}/org/model-1", config=config, memoize=False, **args)
    async with model:
        text = await model.generate("hello")
        call = await model.generate("use the tool", tools=[ECHO], tool_choice="any")
        calls = call.message.tool_calls or []
        result = ChatMessageTool(content="hi", tool_call_id=calls[0].id, function="echo")
        done = await model.generate(
            [ChatMessageUser(content="use the tool"), call.message, result], tools=[ECHO]
        )
    assert (text.completion, done.completion) == ("plain text", "done")
    assert call.stop_reason == "tool_calls" and calls[0].arguments == {"word": "hi"}
    assert not server.rejected
    first = server.requests[0]
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert first.body["model"] == "org/model-1"
    assert (first.body["temperature"], first.body["max_tokens"], first.body["seed"]) == (0.2, 20, 3)


@pytest.mark.parametrize("provider", [s[0] for s in SERVICES if not s[4]])
async def test_local_servers_need_no_key(
    server: ServerHandle, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    spec = next(s for s in SERVICES if s[0] == provider)
    monkeypatch.delenv(spec[1], raising=False)
    monkeypatch.setenv(spec[2], server.url)
    async with get_model(f"{provider}/m", memoize=False) as model:
        with pytest.raises(httpx.HTTPStatusError):  # this server wants a key; theirs do not
            await model.generate("hi")
    assert "authorization" not in server.requests[0].headers


async def test_hosted_services_name_their_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    model = get_model("groq/llama-3.1-8b-instant", memoize=False)
    with pytest.raises(Exception, match="GROQ_API_KEY"):
        await model.generate("hi")


async def test_rate_limit_retried_for_a_service(
    server: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    monkeypatch.setenv("TOGETHER_BASE_URL", server.url)
    server.options.fail_429 = 1
    async with get_model("together/meta-llama/Llama-3-8b", memoize=False) as model:
        assert (await model.generate("again")).completion == "again"
    assert [r.status for r in server.requests] == [429, 200]
    assert model.stats.rate_limits == 1


def test_extra_body_fields() -> None:
    vllm = get_model("vllm/m", memoize=False, repetition_penalty=1.05).api
    assert vllm.extra_body(GenerateConfig(top_k=5)) == {  # type: ignore[attr-defined]
        "repetition_penalty": 1.05, "top_k": 5}
    groq = get_model("groq/m", memoize=False).api
    assert groq.extra_body(GenerateConfig(top_k=5)) == {}  # type: ignore[attr-defined]
    llama = get_model("llama-cpp-python/m", memoize=False).api
    assert llama.extra_body(GenerateConfig()) == {"repeat_penalty": 1.0}  # type: ignore[attr-defined]
    tuned = get_model("llama-cpp-python/m", memoize=False, repeat_penalty=1.1).api
    assert tuned.extra_body(GenerateConfig()) == {"repeat_penalty": 1.1}  # type: ignore[attr-defined]
