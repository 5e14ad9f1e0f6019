"""The openai provider against a real local server that checks the wire format."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from evalrunner.model import (
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentText,
    GenerateConfig,
    Model,
    ModelAPIError,
    ToolFunction,
    ToolInfo,
    get_model,
)
from tests.servers.openai_server import ServerHandle, start_openai_server

KEY = "sk-test-0123456789abcdef"

ADD = ToolInfo(
    name="add",
    description="Add two numbers.",
    parameters={
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
        "required": ["x", "y"],
    },
)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerHandle]:
    with start_openai_server(api_key=KEY) as handle:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", handle.url)
        monkeypatch.delenv("OPENAI_ORG_ID", raising=False)
        yield handle


def openai(name: str = "gpt-4o-mini", **config: Any) -> Model:
    return get_model(f"openai/{name}", config=GenerateConfig(**config), memoize=False)


async def test_text_round_trip(server: ServerHandle) -> None:
    server.options.responder = lambda body: "Paris is the capital."
    async with openai() as model:
        output = await model.generate(
            [ChatMessageSystem(content="Be brief."), ChatMessageUser(content="Capital of France?")]
        )
    assert output.completion == "Paris is the capital."
    assert output.stop_reason == "stop"
    assert output.model == "gpt-4o-mini"
    assert output.usage is not None
    assert (output.usage.input_tokens, output.usage.output_tokens) == (5, 4)
    assert output.usage.total_tokens == 9
    [request] = server.requests
    assert not request.rejected
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert "openai-organization" not in request.headers
    assert request.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
        ],
    }


async def test_reasoning_content_is_kept_but_never_sent_back(server: ServerHandle) -> None:
    server.options.responder = lambda body: {"content": "4", "reasoning_content": "2 + 2 = 4"}
    async with openai("deepseek-reasoner") as model:
        first = await model.generate("2 + 2?")
        assert first.completion == "4"
        assert isinstance(first.message.content, list)
        assert first.message.content[0].type == "reasoning"
        await model.generate([ChatMessageUser(content="2 + 2?"), first.message,
                              ChatMessageUser(content="And 3 + 3?")])
    assert not server.rejected
    assert server.requests[1].body["messages"][1] == {"role": "assistant", "content": "4"}


async def test_organization_header(server: ServerHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_ORG_ID", "org-abc")
    async with openai() as model:
        await model.generate("hi")
    assert server.requests[0].headers["openai-organization"] == "org-abc"


def _calculator(body: dict[str, Any]) -> Any:
    last = body["messages"][-1]
    if last["role"] == "tool":
        return f"The sum is {last['content']}."
    return [{"name": "add", "arguments": {"x": 2, "y": 3}, "id": "call_1"}]


async def test_tool_call_then_tool_result(server: ServerHandle) -> None:
    server.options.responder = _calculator
    messages: list[Any] = [ChatMessageUser(content="What is 2 + 3?")]
    async with openai() as model:
        first = await model.generate(messages, tools=[ADD], tool_choice="any")
        [call] = first.message.tool_calls or []
        assert (call.id, call.function, call.arguments) == ("call_1", "add", {"x": 2, "y": 3})
        assert call.parse_error is None
        assert first.stop_reason == "tool_calls"
        messages += [
            first.message,
            ChatMessageTool(content="5", tool_call_id=call.id, function="add"),
        ]
        second = await model.generate(
            messages, tools=[ADD], tool_choice=ToolFunction(name="add")
        )
    assert second.completion == "The sum is 5."
    assert not server.rejected
    body1, body2 = server.bodies
    assert body1["tools"] == [{
        "type": "function",
        "function": {"name": "add", "description": ADD.description, "parameters": ADD.parameters},
    }]
    assert body1["tool_choice"] == "required"
    assert body2["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert body2["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{
                "id": "call_1",
                "type": "function",
                "function": {"name": "add", "arguments": '{"x": 2, "y": 3}'},
            }],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "5"},
    ]


async def test_unparseable_tool_arguments_are_kept_not_raised(server: ServerHandle) -> None:
    server.options.responder = lambda body: [{"name": "add", "arguments": "{x: 2"}]
    async with openai() as model:
        output = await model.generate("add", tools=[ADD], tool_choice="auto")
    [call] = output.message.tool_calls or []
    assert call.arguments == {}
    assert call.parse_error is not None and "{x: 2" in call.parse_error
    assert server.bodies[0]["tool_choice"] == "auto"


async def test_image_part(server: ServerHandle) -> None:
    image = "data:image/png;base64,iVBORw0KGgo="
    message = ChatMessageUser(
        content=[ContentText(text="What is this?"), ContentImage(image=image, detail="low")]
    )
    async with openai() as model:
        output = await model.generate([message])
    assert output.completion == "What is this?"
    assert server.bodies[0]["messages"] == [{
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": image, "detail": "low"}},
        ],
    }]


async def test_config_mapping_is_exact(server: ServerHandle) -> None:
    config: dict[str, Any] = dict(
        temperature=0.5, top_p=0.9, max_tokens=50, stop_seqs=["END"], seed=7,
        frequency_penalty=0.1, presence_penalty=0.2, logit_bias={50256: -100.0},
        num_choices=2, logprobs=True, top_logprobs=3, reasoning_effort="low",
        parallel_tool_calls=False,
        # Connection options and fields OpenAI has no use for never reach the wire.
        timeout=30.0, max_retries=1, max_connections=3, top_k=5, best_of=2,
    )
    async with openai(**config) as model:
        output = await model.generate("hi")
        await model.generate("hi", tools=[ADD])
    assert len(output.choices) == 2
    first, with_tools = server.bodies
    assert first == {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.5, "top_p": 0.9, "max_tokens": 50, "stop": ["END"], "seed": 7,
        "frequency_penalty": 0.1, "presence_penalty": 0.2, "logit_bias": {"50256": -100.0},
        "n": 2, "logprobs": True, "top_logprobs": 3, "reasoning_effort": "low",
    }
    assert with_tools["parallel_tool_calls"] is False
    assert "tool_choice" not in with_tools


async def test_reasoning_models_take_max_completion_tokens(server: ServerHandle) -> None:
    async with openai("o3-mini", max_tokens=20) as model:
        await model.generate("hi")
    body = server.bodies[0]
    assert body["max_completion_tokens"] == 20
    assert "max_tokens" not in body


async def test_base_url_argument_overrides_environment(
    server: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/nothing-here")
    async with get_model("openai/gpt-4o", base_url=server.url, memoize=False) as model:
        assert (await model.generate("over")).completion == "over"


async def test_429_retried_honouring_retry_after(server: ServerHandle) -> None:
    server.options.fail_429 = 2
    server.options.retry_after = "0.4"
    async with openai() as model:
        start = time.monotonic()
        output = await model.generate("again")
        elapsed = time.monotonic() - start
    assert output.completion == "again"
    assert [r.status for r in server.requests] == [429, 429, 200]
    assert (model.stats.rate_limits, model.stats.retries, model.stats.errors) == (2, 2, 0)
    # The server's 0.4 s, not the exponential backoff (which starts at 1 s).
    assert 0.8 <= elapsed < 1.8


async def test_500_retried(server: ServerHandle) -> None:
    server.options.fail_500 = 2
    async with openai() as model:
        output = await model.generate("again")
    assert output.completion == "again"
    assert [r.status for r in server.requests] == [500, 500, 200]
    assert (model.stats.retries, model.stats.rate_limits) == (2, 0)


async def test_400_not_retried_and_explained(server: ServerHandle) -> None:
    async with openai(temperature=5.0) as model:
        with pytest.raises(httpx.HTTPStatusError) as info:
            await model.generate("hot")
    message = str(info.value)
    assert "400" in message and "Invalid value for 'temperature'" in message
    assert KEY not in message
    assert len(server.requests) == 1
    assert (model.stats.retries, model.stats.errors) == (0, 1)


async def test_401_not_retried_and_key_redacted(
    server: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk-wrong-key-9876543210"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    async with openai() as model:
        with pytest.raises(httpx.HTTPStatusError) as info:
            await model.generate("who am i")
    message = str(info.value)
    assert "401" in message and "Incorrect API key provided" in message
    # The server echoed the key it was sent; the error must not.
    assert wrong not in message and "***" in message
    assert len(server.requests) == 1 and server.requests[0].rejected
    assert model.stats.retries == 0


async def test_missing_key_is_a_clear_error_at_first_generate(
    server: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    model = openai()  # creating the model needs no key and no network
    with pytest.raises(ModelAPIError, match="OPENAI_API_KEY"):
        await model.generate("hi")
    assert server.requests == []
    assert model.stats.retries == 0


async def test_timeout_from_config(server: ServerHandle) -> None:
    server.options.latency = 2.0
    async with openai(timeout=0.2, max_retries=0) as model:
        start = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            await model.generate("slow")
    assert time.monotonic() - start < 1.5


async def test_connection_limit_and_lazy_client(server: ServerHandle) -> None:
    server.options.latency = 0.1
    model = openai(max_connections=3)
    api: Any = model.api
    assert api._clients == {}  # no connection until the first generate
    async with model:
        outputs = await asyncio.gather(*(model.generate(f"q{i}") for i in range(9)))
        assert len(api._clients) == 1
    assert api._clients == {}
    assert [o.completion for o in outputs] == [f"q{i}" for i in range(9)]
    assert server.peak_concurrency == 3
    assert model.stats.max_connections == 3
