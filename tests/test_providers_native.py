"""Every native wire format against its own strict local server: the shared round trips.

Each provider gets a text round trip, a parallel tool call followed by its tool results,
its refusal or content-filter reply, and its errors: 400 (not retried), a bad credential
(not retried, never echoed), 429 with Retry-After and 5xx (both retried).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import evalrunner
from evalrunner.model import (
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelOutput,
    StopReason,
    ToolInfo,
    get_model,
)
from tests.extras import needs_extra
from tests.servers._wire_server import Reply, WireServer
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.azure_server import AzureAIServer, AzureOpenAIServer
from tests.servers.bedrock_server import ACCESS_KEY, SECRET_KEY, BedrockServer
from tests.servers.cloudflare_server import CloudflareServer
from tests.servers.google_server import GoogleServer
from tests.servers.mistral_server import MistralServer

KEY = "sk-native-test-0123456789"
WRONG = "sk-wrong-key-9876543210"

ADD = ToolInfo(
    name="add",
    description="Add two numbers.",
    parameters={
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
        "required": ["x", "y"],
    },
)

# Variables any provider reads; cleared so the machine's own settings never leak in.
PROVIDER_ENV = (
    "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "GOOGLE_API_KEY", "GEMINI_API_KEY",
    "GOOGLE_BASE_URL", "MISTRAL_API_KEY", "MISTRAL_BASE_URL", "AZUREAI_MISTRAL_API_KEY",
    "AZUREAI_MISTRAL_BASE_URL", "AZUREAI_API_KEY", "AZURE_API_KEY", "AZUREAI_BASE_URL",
    "AZUREAI_API_VERSION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_BEARER_TOKEN_BEDROCK",
    "BEDROCK_BASE_URL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_BASE_URL",
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "AZUREAI_OPENAI_API_KEY",
    "AZUREAI_OPENAI_BASE_URL", "OPENAI_API_VERSION",
)


@dataclass
class Case:
    """How one provider is set up against its server, and its own failure shapes."""

    id: str
    model: str
    server: Callable[[], WireServer]
    env: Callable[[WireServer], dict[str, str]]
    wrong_credential: dict[str, str]
    refusal: Reply
    refusal_stop: StopReason
    bad_config: GenerateConfig
    bad_fragment: str
    server_error: int = 500
    auth_status: int = 401
    extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("anthropic", "anthropic/claude-sonnet-4-0", lambda: AnthropicServer(api_key=KEY),
         lambda s: {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": s.url},
         {"ANTHROPIC_API_KEY": WRONG},
         {"content": "I can't help with that.", "stop": "refusal"}, "content_filter",
         GenerateConfig(temperature=1.5), "temperature", server_error=529),
    Case("google", "google/gemini-2.5-flash", lambda: GoogleServer(api_key=KEY),
         lambda s: {"GOOGLE_API_KEY": KEY, "GOOGLE_BASE_URL": s.url},
         {"GOOGLE_API_KEY": WRONG},
         {"content": "", "finish": "SAFETY"}, "content_filter",
         GenerateConfig(temperature=2.5), "temperature", server_error=503, auth_status=400),
    Case("mistral", "mistral/mistral-large-latest", lambda: MistralServer(api_key=KEY),
         lambda s: {"MISTRAL_API_KEY": KEY, "MISTRAL_BASE_URL": s.url},
         {"MISTRAL_API_KEY": WRONG},
         {"content": "I'm sorry, I can't help with that."}, "stop",
         GenerateConfig(temperature=1.9), "temperature", server_error=503),
    Case("azureai", "azureai/llama-3-70b-chat", lambda: AzureAIServer(api_key=KEY),
         lambda s: {"AZUREAI_API_KEY": KEY, "AZUREAI_BASE_URL": s.url},
         {"AZUREAI_API_KEY": WRONG},
         {"filter_prompt": True}, "content_filter",
         GenerateConfig(temperature=3.0), "temperature"),
    Case("bedrock", "bedrock/anthropic.claude-3-haiku-20240307-v1:0",
         lambda: BedrockServer(api_key=KEY),
         lambda s: {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                    "AWS_REGION": "us-east-1", "BEDROCK_BASE_URL": s.url,
                    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials"},
         {"AWS_SECRET_ACCESS_KEY": WRONG},
         {"content": "That request was blocked.", "stop": "guardrail_intervened"},
         "content_filter", GenerateConfig(temperature=1.5), "temperature",
         server_error=503, auth_status=403),
    Case("cloudflare", "cloudflare/meta/llama-3.1-8b-instruct",
         lambda: CloudflareServer(api_key=KEY),
         lambda s: {"CLOUDFLARE_API_TOKEN": KEY, "CLOUDFLARE_ACCOUNT_ID": "acct123",
                    "CLOUDFLARE_BASE_URL": s.url},
         {"CLOUDFLARE_API_TOKEN": WRONG},
         {"content": "I cannot answer.", "finish": "content_filter"}, "content_filter",
         GenerateConfig(temperature=6.0), "temperature"),
    Case("azure-openai", "azure-openai/gpt4o-deployment", lambda: AzureOpenAIServer(api_key=KEY),
         lambda s: {"AZUREAI_OPENAI_API_KEY": KEY, "AZUREAI_OPENAI_BASE_URL": s.url,
                    "OPENAI_API_VERSION": "2024-10-21"},
         {"AZUREAI_OPENAI_API_KEY": WRONG},
         {"filter_prompt": True}, "content_filter",
         GenerateConfig(temperature=3.0), "temperature"),
]


# Bedrock signs with botocore (the bedrock extra).
@pytest.fixture(params=[pytest.param(c, marks=needs_extra("bedrock", "botocore"))
                        if c.id == "bedrock" else c for c in CASES],
                ids=[c.id for c in CASES])
def setup(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Case, WireServer]]:
    case: Case = request.param
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    with case.server() as server:
        for name, value in case.env(server).items():
            monkeypatch.setenv(name, value)
        yield case, server


def model_of(case: Case, **config: Any) -> Model:
    return get_model(case.model, config=GenerateConfig(**config), memoize=False)


async def test_text_round_trip(setup: tuple[Case, WireServer]) -> None:
    case, server = setup
    server.options.responder = lambda body: "Paris is the capital."
    async with model_of(case, max_tokens=50) as model:
        output = await model.generate(
            [ChatMessageSystem(content="Be brief."), ChatMessageUser(content="Capital of France?")]
        )
    assert not server.rejected, server.rejected[0].error
    assert output.completion == "Paris is the capital."
    assert output.stop_reason == "stop"
    assert output.usage is not None and output.usage.input_tokens > 0
    assert output.usage.output_tokens > 0
    assert model.stats.calls == 1 and model.stats.retries == 0


async def test_parallel_tool_calls_then_results(setup: tuple[Case, WireServer]) -> None:
    case, server = setup
    calls = [{"name": "add", "arguments": {"x": 1, "y": 2}},
             {"name": "add", "arguments": {"x": 3, "y": 4}}]
    replies = iter([calls, "3 and 7"])
    server.options.responder = lambda body: next(replies)
    question = ChatMessageUser(content="Add 1+2 and 3+4 with the tool.")
    async with model_of(case) as model:
        first = await model.generate([question], tools=[ADD], tool_choice="auto")
        assert first.stop_reason == "tool_calls"
        made = first.message.tool_calls or []
        assert [(c.function, c.arguments) for c in made] == [
            ("add", {"x": 1, "y": 2}), ("add", {"x": 3, "y": 4})]
        assert len({c.id for c in made}) == 2
        results = [ChatMessageTool(content=str(c.arguments["x"] + c.arguments["y"]),
                                   tool_call_id=c.id, function="add") for c in made]
        second = await model.generate([question, first.message, *results], tools=[ADD])
    assert not server.rejected, server.rejected[0].error
    assert second.completion == "3 and 7" and second.stop_reason == "stop"


async def test_refusal_or_content_filter(setup: tuple[Case, WireServer]) -> None:
    case, server = setup
    server.options.responder = lambda body: case.refusal
    async with model_of(case) as model:
        output = await model.generate("Something the model will not do.")
    assert not [r for r in server.requests if r.rejected]
    assert output.stop_reason == case.refusal_stop
    assert model.stats.errors == 0 and model.stats.retries == 0


async def test_400_is_not_retried_and_is_explained(setup: tuple[Case, WireServer]) -> None:
    case, server = setup
    model = get_model(case.model, config=case.bad_config, memoize=False)
    async with model:
        with pytest.raises(httpx.HTTPStatusError) as info:
            await model.generate("too hot")
    assert info.value.response.status_code in (400, 422)
    assert case.bad_fragment in str(info.value)
    assert len(server.requests) == 1
    assert (model.stats.retries, model.stats.errors) == (0, 1)


async def test_bad_credential_is_not_retried_nor_echoed(
    setup: tuple[Case, WireServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    case, server = setup
    for name, value in case.wrong_credential.items():
        monkeypatch.setenv(name, value)
    server.options.echo_credentials = True  # the error names the key it was sent
    async with model_of(case) as model:
        with pytest.raises(httpx.HTTPStatusError) as info:
            await model.generate("who am i")
    assert info.value.response.status_code == case.auth_status
    assert WRONG not in str(info.value) and KEY not in str(info.value)
    if case.id != "bedrock":  # SigV4 sends a signature, never the secret itself
        assert "***" in str(info.value)
    assert len(server.requests) == 1 and server.requests[0].rejected
    assert model.stats.retries == 0


async def test_429_retried_after_retry_after(setup: tuple[Case, WireServer]) -> None:
    case, server = setup
    server.options.fail_429 = 2
    server.options.retry_after = "0.3"
    async with model_of(case) as model:
        start = time.monotonic()
        output = await model.generate("again")
        elapsed = time.monotonic() - start
    assert output.completion == "again"
    assert server.statuses() == [429, 429, 200]
    assert (model.stats.rate_limits, model.stats.retries, model.stats.errors) == (2, 2, 0)
    # The server's 0.3 s twice, not the exponential backoff (1 s then 2 s, 3 s at least): the
    # upper bound leaves room for a loaded machine and still tells the two apart.
    assert 0.55 <= elapsed < 2.9


async def test_5xx_retried(setup: tuple[Case, WireServer]) -> None:
    case, server = setup
    server.options.fail_5xx = 2
    server.options.fail_status = case.server_error
    async with model_of(case) as model:
        output = await model.generate("again")
    assert isinstance(output, ModelOutput) and output.completion == "again"
    assert server.statuses() == [case.server_error, case.server_error, 200]
    assert (model.stats.retries, model.stats.rate_limits) == (2, 0)


def test_model_event_has_the_request_as_sent_and_the_response(
    setup: tuple[Case, WireServer], tmp_path: Path
) -> None:
    """Through a run and its log: the body the server got and the reply it sent are in the
    model event; no credential, nor (Bedrock) the signature, is anywhere in the log."""
    case, server = setup
    server.options.responder = lambda body: "Paris."
    suite = tmp_path / "call.yml"
    suite.write_text(f"name: call\nmodel: {case.model}\ntasks:\n  - name: ask\n"
                     "    dataset: {samples: [{input: Capital of France?, target: Paris}]}\n"
                     "    plan: [generate]\n    scorer: includes\n")
    (log,) = evalrunner.eval(str(suite), log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    (model_event,) = [e for e in log.samples[0].events if e.event == "model"]
    assert model_event.call is not None
    (sent,) = server.requests
    assert model_event.call["request"] == sent.body
    assert "Paris." in json.dumps(model_event.call["response"])
    text = "".join(p.read_text() for p in (tmp_path / "logs").iterdir() if p.is_file())
    assert "Capital of France?" in text and "Paris." in text
    secrets = [KEY, SECRET_KEY, ACCESS_KEY, *(v for k, v in sent.headers.items() if k in (
        "authorization", "x-api-key", "x-goog-api-key", "api-key", "x-amz-security-token"))]
    secrets += re.findall(r"Signature=([0-9a-f]+)", sent.headers.get("authorization", ""))
    leaked = [s for s in secrets if len(s) > 12 and s in text]
    assert not leaked, leaked
