"""Each native provider's exact request bodies and reply mapping, as its server received
and answered them: generation config, tool choice, images, reasoning, quirks."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from evalrunner.model import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    Model,
    ModelAPIError,
    ToolCall,
    ToolFunction,
    ToolInfo,
    get_model,
)
from tests.extras import needs_extra
from tests.servers._wire_server import WireServer
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.azure_server import AzureAIServer
from tests.servers.bedrock_server import ACCESS_KEY, SECRET_KEY, BedrockServer
from tests.servers.cloudflare_server import CloudflareServer
from tests.servers.google_server import GoogleServer
from tests.servers.mistral_server import MistralServer
from tests.test_providers_native import PROVIDER_ENV

KEY = "sk-wire-test-0123456789"
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
LOOKUP = ToolInfo(name="lookup", description="Look a word up.", parameters={
    "type": "object",
    "properties": {"word": {"type": ["string", "null"], "description": "The word."},
                   "extra": {"type": "object", "additionalProperties": False}},
    "required": ["word"], "additionalProperties": False,
})


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)


def serve(
    server: WireServer, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> Iterator[Any]:
    with server as running:
        for name, value in env.items():
            monkeypatch.setenv(name, value.replace("{url}", running.url))
        yield running
        assert not running.rejected, running.rejected[0].error


def model(name: str, **config: Any) -> Model:
    return get_model(name, config=GenerateConfig(**config), memoize=False)


# -- anthropic -----------------------------------------------------------------------


@pytest.fixture
def anthropic(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnthropicServer]:
    yield from serve(AnthropicServer(api_key=KEY), monkeypatch,
                     {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": "{url}"})


async def test_anthropic_body(anthropic: AnthropicServer) -> None:
    async with model("anthropic/claude-sonnet-4-0", temperature=0.3, top_p=0.9, top_k=5,
                     stop_seqs=["END"], seed=7, frequency_penalty=0.5) as m:
        await m.generate([
            ChatMessageSystem(content="One."), ChatMessageSystem(content="Two."),
            ChatMessageUser(content=[ContentText(text="What is this?"), ContentImage(image=PNG)]),
        ], tools=[LOOKUP], tool_choice=ToolFunction(name="lookup"),
            config=GenerateConfig(parallel_tool_calls=False))
    body = anthropic.bodies[0]
    # cache_prompt "auto" (the default): with tools, cache points are marked.
    assert body["system"] == [{"type": "text", "text": "One.\n\nTwo.",
                               "cache_control": {"type": "ephemeral"}}]
    assert body["max_tokens"] == 4096  # the provider's default: the API requires one
    assert (body["temperature"], body["top_p"], body["top_k"]) == (0.3, 0.9, 5)
    assert body["stop_sequences"] == ["END"]
    assert "seed" not in body and "frequency_penalty" not in body  # the API has neither
    assert body["tool_choice"] == {"type": "tool", "name": "lookup",
                                   "disable_parallel_tool_use": True}
    assert body["tools"][0]["input_schema"] == LOOKUP.parameters
    image = body["messages"][0]["content"][1]
    assert image == {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                 "data": PNG.split(",")[1]},
                     "cache_control": {"type": "ephemeral"}}
    headers = anthropic.requests[0].headers
    assert headers["anthropic-version"] == "2023-06-01" and headers["x-api-key"] == KEY


async def test_anthropic_thinking_and_betas(anthropic: AnthropicServer) -> None:
    anthropic.options.responder = lambda body: {"thinking": "Let me see.", "content": "42"}
    m = get_model("anthropic/claude-sonnet-4-0", memoize=False, betas=["beta-one"],
                  config=GenerateConfig(reasoning_tokens=2048, max_tokens=1000,
                                        temperature=0.5, top_k=3))
    async with m:
        output = await m.generate("Think hard.")
    body = anthropic.bodies[0]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] == 3048  # room for the answer beyond the budget
    assert "temperature" not in body and "top_k" not in body
    assert output.completion == "42"  # the thinking text is not the answer
    assert anthropic.requests[0].headers["anthropic-beta"] == "beta-one"
    assert output.usage is not None and output.usage.input_tokens > 2  # cache reads count


async def test_anthropic_thinking_goes_back_with_its_tool_calls(
    anthropic: AnthropicServer,
) -> None:
    def respond(body: dict[str, Any]) -> Any:
        if "tool_result" in str(body["messages"][-1]["content"]):
            return {"content": "It means hello."}
        return {"thinking": "I should look it up.",
                "tool_calls": [{"name": "lookup", "arguments": {"word": "hola"}}]}

    anthropic.options.responder = respond
    m = get_model("anthropic/claude-sonnet-4-0", memoize=False,
                  config=GenerateConfig(reasoning_tokens=1024, max_tokens=2000))
    async with m:
        first = await m.generate("What does hola mean?", tools=[LOOKUP])
        call = first.message.tool_calls[0]  # type: ignore[index]
        assert first.completion == ""  # the reasoning is not the answer
        assert isinstance(first.message.content, list)
        assert first.message.content[0].type == "reasoning"
        history = [
            ChatMessageUser(content="What does hola mean?"), first.message,
            ChatMessageTool(content="hello", tool_call_id=call.id, function="lookup"),
        ]
        second = await m.generate(history, tools=[LOOKUP])
    assert second.completion == "It means hello."
    sent = anthropic.bodies[1]["messages"][1]["content"]
    assert sent[0] == {"type": "thinking", "thinking": "I should look it up.",
                       "signature": "sig"}
    assert sent[1]["type"] == "tool_use"


async def test_reasoning_is_left_out_for_providers_without_it(
    mistral: MistralServer,
) -> None:
    history = [
        ChatMessageUser(content="Hi"),
        ChatMessageAssistant(content=[ContentReasoning(reasoning="hmm", signature="s"),
                                      ContentText(text="Hello.")]),
        ChatMessageUser(content="Again?"),
    ]
    async with model("mistral/mistral-large-latest") as m:
        await m.generate(history)
    assert mistral.bodies[0]["messages"][1] == {"role": "assistant", "content": "Hello."}


async def test_anthropic_history_merges_turns(anthropic: AnthropicServer) -> None:
    calls = [ToolCall(id="toolu_1", function="lookup", arguments={"word": "a"})]
    history = [
        ChatMessageUser(content="Look up a."),
        ChatMessageAssistant(content="", tool_calls=calls),
        ChatMessageTool(content="", tool_call_id="toolu_1", function="lookup", error="not found"),
        ChatMessageUser(content="And now?"),
    ]
    async with model("anthropic/claude-sonnet-4-0") as m:
        await m.generate(history, tools=[LOOKUP], tool_choice="none")
    body = anthropic.bodies[0]
    assert [t["role"] for t in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"word": "a"}}]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "not found",
         "is_error": True},
        {"type": "text", "text": "And now?", "cache_control": {"type": "ephemeral"}}]
    assert body["tool_choice"] == {"type": "none"}


# -- google --------------------------------------------------------------------------


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[GoogleServer]:
    yield from serve(GoogleServer(api_key=KEY), monkeypatch,
                     {"GEMINI_API_KEY": KEY, "GOOGLE_BASE_URL": "{url}"})


async def test_google_body(google: GoogleServer) -> None:
    google.options.responder = lambda body: {"thought": "hmm", "content": "fine"}
    async with model("google/gemini-2.5-pro", temperature=0.1, top_p=0.8, top_k=4,
                     max_tokens=64, stop_seqs=["X"], num_choices=2, seed=5,
                     presence_penalty=0.1, frequency_penalty=0.2, reasoning_tokens=128) as m:
        output = await m.generate([
            ChatMessageSystem(content="Be exact."),
            ChatMessageUser(content=[ContentText(text="Describe."), ContentImage(image=PNG)]),
        ], tools=[LOOKUP], tool_choice=ToolFunction(name="lookup"))
    request = google.requests[0]
    assert request.path == "/v1beta/models/gemini-2.5-pro:generateContent"
    assert request.headers["x-goog-api-key"] == KEY
    body = request.body
    assert body["systemInstruction"] == {"parts": [{"text": "Be exact."}]}
    assert body["generationConfig"] == {
        "temperature": 0.1, "topP": 0.8, "topK": 4, "maxOutputTokens": 64,
        "stopSequences": ["X"], "candidateCount": 2, "seed": 5, "presencePenalty": 0.1,
        "frequencyPenalty": 0.2, "thinkingConfig": {"thinkingBudget": 128}}
    assert body["contents"][0]["parts"][1] == {
        "inlineData": {"mimeType": "image/png", "data": PNG.split(",")[1]}}
    assert body["toolConfig"] == {"functionCallingConfig": {
        "mode": "ANY", "allowedFunctionNames": ["lookup"]}}
    params = body["tools"][0]["functionDeclarations"][0]["parameters"]
    assert params["properties"]["word"] == {"type": "string", "nullable": True,
                                            "description": "The word."}
    assert "additionalProperties" not in params
    assert [c.message.text for c in output.choices] == ["fine", "fine"]  # no thought text
    assert output.usage is not None and output.usage.output_tokens == 5  # thoughts count


async def test_google_thought_signature_goes_back_with_its_call(google: GoogleServer) -> None:
    google.options.responder = lambda body: (
        {"content": "It means hello."} if "functionResponse" in str(body["contents"][-1])
        else {"thought": "A lookup will tell.", "signature": "c2lnbmF0dXJl",
              "tool_calls": [{"name": "lookup", "arguments": {"word": "hola"}}]})
    async with model("google/gemini-2.5-pro", reasoning_tokens=128) as m:
        first = await m.generate("What does hola mean?", tools=[LOOKUP])
        assert first.completion == ""  # the thought summary is not the answer
        assert isinstance(first.message.content, list)
        assert first.message.content[0].type == "reasoning"
        call = first.message.tool_calls[0]  # type: ignore[index]
        second = await m.generate([
            ChatMessageUser(content="What does hola mean?"), first.message,
            ChatMessageTool(content="hello", tool_call_id=call.id, function="lookup"),
        ], tools=[LOOKUP])
    assert second.completion == "It means hello."
    model_turn = google.requests[1].body["contents"][1]
    assert model_turn["role"] == "model"
    assert model_turn["parts"] == [{
        "functionCall": {"name": "lookup", "args": {"word": "hola"}},
        "thoughtSignature": "c2lnbmF0dXJl"}]


@pytest.fixture
def vertex(monkeypatch: pytest.MonkeyPatch) -> Iterator[GoogleServer]:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    with GoogleServer(api_key=KEY) as running:
        for name, value in {
            "GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_CLOUD_PROJECT": "my-proj",
            "GOOGLE_CLOUD_LOCATION": "europe-west4", "GOOGLE_CLOUD_ACCESS_TOKEN": KEY,
            "GOOGLE_VERTEX_BASE_URL": running.url.removesuffix("/v1beta"),
        }.items():
            monkeypatch.setenv(name, value)
        yield running
        assert not running.rejected, running.rejected[0].error


async def test_vertex_project_endpoint_with_an_access_token(vertex: GoogleServer) -> None:
    async with model("google/gemini-2.5-pro") as m:
        output = await m.generate("Hello there")
    assert output.completion == "Hello there"
    request = vertex.requests[0]
    assert request.path == ("/v1/projects/my-proj/locations/europe-west4/publishers/google/"
                            "models/gemini-2.5-pro:generateContent")
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert "x-goog-api-key" not in request.headers


async def test_vertex_express_mode(vertex: GoogleServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without a project, an API key goes to express mode (google-auth's sources are in
    # test_vertex_auth.py).
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT")
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    async with model("google/gemini-2.5-flash") as m:
        assert (await m.generate("express")).completion == "express"
    assert vertex.requests[-1].path == (
        "/v1/publishers/google/models/gemini-2.5-flash:generateContent")
    assert vertex.requests[-1].headers["x-goog-api-key"] == KEY


async def test_google_blocked_prompt_and_retry_delay(google: GoogleServer) -> None:
    google.options.responder = lambda body: {"block_prompt": "SAFETY"}
    async with model("google/gemini-2.0-flash") as m:
        output = await m.generate("Something blocked.")
    assert output.stop_reason == "content_filter" and output.completion == ""
    # A 429 without Retry-After: the RetryInfo delay in the error body is used.
    google.options.responder = None
    google.options.retry_after = None
    google.options.fail_429 = 1
    async with model("google/gemini-2.0-flash") as m:
        assert (await m.generate("again")).completion == "again"
        assert m.stats.rate_limits == 1


# -- mistral -------------------------------------------------------------------------


@pytest.fixture
def mistral(monkeypatch: pytest.MonkeyPatch) -> Iterator[MistralServer]:
    yield from serve(MistralServer(api_key=KEY), monkeypatch,
                     {"MISTRAL_API_KEY": KEY, "MISTRAL_BASE_URL": "{url}"})


async def test_mistral_body_and_quirks(mistral: MistralServer) -> None:
    mistral.options.responder = lambda body: {"content": "short", "chunks": True,
                                              "finish": "model_length"}
    calls = [ToolCall(id="call_abcdefghijklmnop", function="lookup", arguments={"word": "x"})]
    history = [
        ChatMessageUser(content="Look x up."),
        ChatMessageAssistant(content="", tool_calls=calls),
        ChatMessageTool(content="found", tool_call_id="call_abcdefghijklmnop", function="lookup"),
    ]
    m = get_model("mistral/mistral-small-latest", memoize=False, safe_prompt=True,
                  config=GenerateConfig(seed=11, logprobs=True, temperature=0.2))
    async with m:
        output = await m.generate(history, tools=[LOOKUP])
    body = mistral.bodies[0]
    assert body["random_seed"] == 11 and "seed" not in body and "logprobs" not in body
    assert body["safe_prompt"] is True
    new_id = body["messages"][1]["tool_calls"][0]["id"]
    assert len(new_id) == 9 and new_id.isalnum()
    assert body["messages"][2] == {"role": "tool", "content": "found", "tool_call_id": new_id,
                                   "name": "lookup"}
    assert output.completion == "short" and output.stop_reason == "length"


async def test_mistral_on_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    with MistralServer(api_key="azure-key-123456") as server:
        monkeypatch.setenv("AZUREAI_MISTRAL_API_KEY", "azure-key-123456")
        monkeypatch.setenv("AZUREAI_MISTRAL_BASE_URL", server.url)
        monkeypatch.setenv("MISTRAL_API_KEY", "not-this-one-000")
        async with model("mistral/mistral-large-ctwi") as m:
            assert (await m.generate("hi")).completion == "hi"
        assert server.requests[0].headers["authorization"] == "Bearer azure-key-123456"


# -- azureai -------------------------------------------------------------------------


async def test_azureai_pass_through_and_version(monkeypatch: pytest.MonkeyPatch) -> None:
    with AzureAIServer(api_key=KEY) as server:
        monkeypatch.setenv("AZUREAI_API_KEY", KEY)
        monkeypatch.setenv("AZUREAI_BASE_URL", server.url)
        m = get_model("azureai/phi-4", memoize=False, safe_mode=True,
                      config=GenerateConfig(num_choices=2, logprobs=True, seed=1))
        async with m:
            assert (await m.generate("hi")).completion == "hi"
        request = server.requests[0]
        assert not server.rejected, request.error
    assert request.query == {"api-version": "2024-05-01-preview"}
    assert request.headers["extra-parameters"] == "pass-through"
    assert request.body["safe_mode"] is True and request.body["model"] == "phi-4"
    assert "n" not in request.body and "logprobs" not in request.body


# -- bedrock -------------------------------------------------------------------------


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[BedrockServer]:
    yield from serve(BedrockServer(), monkeypatch, {
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1", "BEDROCK_BASE_URL": "{url}",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"})


@needs_extra("bedrock", "botocore")
async def test_bedrock_body(bedrock: BedrockServer) -> None:
    m = get_model("bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0", memoize=False,
                  config=GenerateConfig(max_tokens=100, temperature=0.5, top_p=0.9, top_k=7,
                                        stop_seqs=["Z"], reasoning_tokens=1024))
    async with m:
        parts = [ContentText(text="See"), ContentImage(image=PNG)]
        await m.generate([ChatMessageSystem(content="Sys."), ChatMessageUser(content=parts)],
                         tools=[LOOKUP], tool_choice="any")
    request = bedrock.requests[0]
    assert request.raw_path == "/model/anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse"
    body = request.body
    assert body["system"] == [{"text": "Sys."}]
    assert body["inferenceConfig"] == {"maxTokens": 1124, "topP": 0.9, "stopSequences": ["Z"]}
    assert body["additionalModelRequestFields"] == {
        "thinking": {"type": "enabled", "budget_tokens": 1024}}
    assert body["toolConfig"]["toolChoice"] == {"any": {}}
    assert body["messages"][0]["content"][1] == {
        "image": {"format": "png", "source": {"bytes": PNG.split(",")[1]}}}


@needs_extra("bedrock", "botocore")
async def test_bedrock_reasoning_goes_back_with_its_tool_calls(bedrock: BedrockServer) -> None:
    bedrock.options.responder = lambda body: (
        {"content": "It means hello."} if "toolResult" in str(body["messages"][-1])
        else {"thinking": "Look it up.", "tool_calls": [
            {"name": "lookup", "arguments": {"word": "hola"}}]})
    m = get_model("bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0", memoize=False,
                  config=GenerateConfig(max_tokens=2000, reasoning_tokens=1024))
    async with m:
        first = await m.generate("What does hola mean?", tools=[LOOKUP])
        assert first.completion == ""
        call = first.message.tool_calls[0]  # type: ignore[index]
        second = await m.generate([
            ChatMessageUser(content="What does hola mean?"), first.message,
            ChatMessageTool(content="hello", tool_call_id=call.id, function="lookup"),
        ], tools=[LOOKUP])
    assert second.completion == "It means hello."
    sent = bedrock.requests[1].body["messages"][1]["content"]
    assert sent[0] == {"reasoningContent": {
        "reasoningText": {"text": "Look it up.", "signature": "sig"}}}
    assert "toolUse" in sent[1]


@needs_extra("bedrock", "botocore")
async def test_bedrock_session_token_and_bearer(
    bedrock: BedrockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedrock.session_token = "session-token-abcdef"
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-abcdef")
    async with model("bedrock/meta.llama3-8b-instruct-v1:0", top_k=3) as m:
        assert (await m.generate("signed")).completion == "signed"
    assert bedrock.bodies[0]["additionalModelRequestFields"] == {"top_k": 3}
    bedrock.options.api_key = "bedrock-api-key-123"
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-123")
    async with model("bedrock/meta.llama3-8b-instruct-v1:0") as m:
        assert (await m.generate("bearer")).completion == "bearer"
    assert bedrock.requests[-1].headers["authorization"] == "Bearer bedrock-api-key-123"


@needs_extra("bedrock", "botocore")
async def test_bedrock_missing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance to ask here
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    m = model("bedrock/amazon.nova-lite-v1:0")
    assert m.api.base_url is None
    with pytest.raises(ModelAPIError, match="no AWS credentials"):
        await m.generate("hi")


# -- cloudflare ----------------------------------------------------------------------


async def test_cloudflare_body_and_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    with CloudflareServer(api_key=KEY) as server:
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", KEY)
        monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "acct123")
        monkeypatch.setenv("CLOUDFLARE_BASE_URL", server.url)
        async with model("cf/meta/llama-3.1-8b-instruct", top_k=4, seed=2) as m:
            await m.generate("hi")
        async with model("cloudflare/@hf/nousresearch/hermes-2-pro-mistral-7b") as m:
            await m.generate([ChatMessageUser(content=[ContentText(text="a"),
                                                       ContentText(text="b")])])
        assert not server.rejected
    first, second = server.requests
    assert first.path == "/client/v4/accounts/acct123/ai/run/@cf/meta/llama-3.1-8b-instruct"
    assert first.body["max_tokens"] == 1024  # above the API's own default of 256
    assert (first.body["top_k"], first.body["seed"]) == (4, 2)
    assert second.path.endswith("/ai/run/@hf/nousresearch/hermes-2-pro-mistral-7b")
    assert second.body["messages"][0]["content"] == "a\nb"


async def test_cloudflare_needs_an_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", KEY)
    with pytest.raises(ModelAPIError, match="CLOUDFLARE_ACCOUNT_ID"):
        await model("cloudflare/meta/llama-3.1-8b-instruct").generate("hi")


def test_sync_with_across_event_loops(anthropic: AnthropicServer) -> None:
    """`with get_model(...)` outside a loop; each asyncio.run gets a client of its own."""

    with get_model("anthropic/claude-sonnet-4-0", memoize=False) as m:
        assert asyncio.run(m.generate("first")).completion == "first"
        assert asyncio.run(m.generate("second")).completion == "second"
    assert m.api._clients == {}  # type: ignore[attr-defined]


async def test_anthropic_cache_prompt(anthropic: AnthropicServer) -> None:
    conversation = [ChatMessageSystem(content="Sys."), ChatMessageUser(content="Hi.")]
    for setting in (False, True, "auto"):
        async with model("anthropic/claude-sonnet-4-0", cache_prompt=setting) as m:
            await m.generate(conversation, tools=[LOOKUP])
            await m.generate([ChatMessageSystem(content="Sys."),
                              ChatMessageUser(content="No tools.")])
    off, off_plain, on, on_plain, auto, auto_plain = anthropic.bodies
    assert not anthropic.rejected, anthropic.rejected[0].error
    assert off["system"] == "Sys." and "cache_control" not in json.dumps(off)
    mark = {"type": "ephemeral"}
    for body in (on, auto):
        assert body["system"] == [{"type": "text", "text": "Sys.", "cache_control": mark}]
        assert body["tools"][-1]["cache_control"] == mark
        assert body["messages"][-1]["content"][-1]["cache_control"] == mark
    assert on_plain["messages"][-1]["content"][-1]["cache_control"] == mark  # true: always
    assert on_plain["system"][0]["cache_control"] == mark
    assert "cache_control" not in json.dumps(auto_plain)  # auto: no tools, no caching
    assert "cache_control" not in json.dumps(off_plain)


async def test_google_takes_audio_and_video(google: GoogleServer) -> None:
    from evalrunner.model import ContentAudio, ContentVideo

    audio = "data:audio/wav;base64,UklGRg=="
    video = "data:video/mp4;base64,AAAAIGZ0eXA="
    async with model("google/gemini-2.5-flash") as m:
        await m.generate([ChatMessageUser(content=[
            ContentText(text="Describe."), ContentAudio(audio=audio, format="wav"),
            ContentVideo(video=video, format="mp4")])])
    assert not google.rejected, google.rejected[0].error
    parts = google.bodies[0]["contents"][0]["parts"]
    assert parts[1:] == [{"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
                         {"inlineData": {"mimeType": "video/mp4", "data": "AAAAIGZ0eXA="}}]


async def test_video_is_refused_where_the_api_takes_none(anthropic: AnthropicServer) -> None:
    from evalrunner.model import ContentVideo, ModelAPIError

    async with model("anthropic/claude-sonnet-4-0") as m:
        with pytest.raises(ModelAPIError, match="does not accept video content"):
            await m.generate([ChatMessageUser(content=[
                ContentVideo(video="data:video/mp4;base64,AAAA", format="mp4")])])
    assert not anthropic.requests
