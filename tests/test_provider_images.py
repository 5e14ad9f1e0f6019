"""Images are sent where each provider's API takes them, or refused before any request:
never dropped. Screenshots of tool results travel inside Mistral's tool messages and in
a user turn after the tool messages for Workers AI and OpenAI-compatible servers (each
checked against its local API server); `local` and `hf` take no images, which a run
refuses when the message is built and `validate` when a `computer` tool meets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalrunner.model import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentText,
    ModelAPIError,
    get_model,
)
from evalrunner.model._chat import ChatMessageBase, ToolCall
from evalrunner.model.providers import local
from evalrunner.tools._info import ToolInfo
from tests.conftest import run_cli, write
from tests.servers.cloudflare_server import CloudflareServer
from tests.servers.mistral_server import MistralServer
from tests.servers.openai_server import start_openai_server

KEY = "sk-images-0123456789"
SHOT = ContentImage(image="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf")
PHOTO = ContentImage(image="https://images.example/cat.png", detail="low")
TOOL = ToolInfo(name="look", description="Take a screenshot.",
                parameters={"type": "object", "properties": {}})


def _conversation() -> list[ChatMessageBase]:
    """A user image, then a call whose result is text and a screenshot."""
    call = ToolCall(id="call_1", function="look", arguments={})
    return [ChatMessageUser(content=[ContentText(text="What is this?"), PHOTO]),
            ChatMessageAssistant(content="", tool_calls=[call]),
            ChatMessageTool(content=[ContentText(text="looked"), SHOT], tool_call_id="call_1",
                            function="look")]


async def _send(model: str, url: str) -> None:
    llm = get_model(model, base_url=url, memoize=False)
    async with llm:
        await llm.generate(_conversation(), tools=[TOOL])


async def test_mistral_sends_a_screenshot_inside_its_tool_message(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MISTRAL_API_KEY", KEY)
    with MistralServer(api_key=KEY) as server:  # refuses a user turn after a tool's
        server.options.responder = lambda body: "a cat"
        await _send("mistral/mistral-small-latest", server.base_url())
        assert not server.rejected, server.rejected[0].error
        messages = server.requests[0].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    assert messages[0]["content"][1] == {
        "type": "image_url", "image_url": {"url": PHOTO.image, "detail": "low"}}
    assert messages[2]["content"] == [
        {"type": "text", "text": "looked"},
        {"type": "image_url", "image_url": {"url": SHOT.image, "detail": "auto"}}]


async def test_workers_ai_sends_images_as_image_url_parts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", KEY)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "acct123")
    with CloudflareServer(api_key=KEY) as server:
        server.options.responder = lambda body: "a cat"
        await _send("cloudflare/meta/llama-4-scout-17b-16e-instruct", server.base_url())
        assert not server.rejected, server.rejected[0].error
        messages = server.requests[0].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "user"]
    assert messages[0]["content"] == [{"type": "text", "text": "What is this?"},
                                      {"type": "image_url", "image_url": {"url": PHOTO.image}}]
    assert messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "looked",
                           "name": "look"}
    assert messages[3]["content"] == [{"type": "text", "text": "Images of tool call call_1:"},
                                      {"type": "image_url", "image_url": {"url": SHOT.image}}]


async def test_workers_ai_keeps_text_only_messages_as_strings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", KEY)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "acct123")
    with CloudflareServer(api_key=KEY) as server:
        llm = get_model("cloudflare/meta/llama-3.1-8b-instruct", base_url=server.base_url(),
                        memoize=False)
        async with llm:
            await llm.generate([ChatMessageUser(content=[ContentText(text="Hi.")])])
        assert not server.rejected, server.rejected[0].error
    assert server.requests[0].body["messages"] == [{"role": "user", "content": "Hi."}]


async def test_an_openai_compatible_server_gets_the_screenshot_after_the_tool(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VLLM_API_KEY", KEY)
    with start_openai_server(api_key=KEY, responder=lambda body: "a cat") as server:
        await _send("vllm/Qwen/Qwen2.5-VL-7B-Instruct", server.url)
        assert not server.rejected, server.rejected[0].error
        messages = server.bodies[0]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "user"]
    assert messages[3]["content"][1] == {
        "type": "image_url", "image_url": {"url": SHOT.image, "detail": "auto"}}


@pytest.mark.parametrize("model", ["local/smollm2", "hf/HuggingFaceTB/SmolLM2-135M-Instruct"])
async def test_providers_without_vision_refuse_images_before_any_request(model: str) -> None:
    llm = get_model(model, memoize=False)
    conversation = _conversation()
    with pytest.raises(ModelAPIError, match=(
            rf"^{model} does not accept image content in a tool result: the "
            rf"{model.split('/')[0]} provider cannot send it")):
        await llm.generate([ChatMessageUser(content="Look."), *conversation[1:]], tools=[TOOL])
    with pytest.raises(ModelAPIError, match=rf"^{model} does not accept image content: "):
        await llm.generate(conversation[:1])
    assert not local._WORKERS  # no model loaded, nothing asked
    assert getattr(llm.api, "_loaded", None) is None


SUITE = """\
name: blind
tasks:
  - name: on_local
    model: local/smollm2
    dataset: {samples: [{input: Click the button., target: done}]}
    plan:
      - react: {tools: [computer]}
    scorer: includes
  - name: on_hf
    model: hf/HuggingFaceTB/SmolLM2-135M-Instruct
    dataset: {samples: [{input: Click the button., target: done}]}
    plan:
      - use_tools: [computer]
      - generate
    scorer: includes
  - name: on_mockllm
    model: mockllm/model
    dataset: {samples: [{input: Click the button., target: done}]}
    plan:
      - use_tools: [computer]
      - generate
    scorer: includes
"""


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_computer_tool_on_a_provider_without_images_is_bad_input(
        tmp_path: Path, command: str) -> None:
    suite = write(tmp_path / "blind.yml", SUITE)
    logs = tmp_path / "logs"
    extra = ["--log-dir", str(logs)] if command == "run" else []
    result = run_cli(command, str(suite), *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "computer tool" in line]
    assert errors == [
        f"{suite}:7:9: solver 'react': the computer tool answers with screenshots: "
        "local/smollm2 does not accept image content: the local provider cannot send it "
        "(it is accepted by every provider but local/ and hf/)",
        f"{suite}:13:9: solver 'use_tools': the computer tool answers with screenshots: "
        "hf/HuggingFaceTB/SmolLM2-135M-Instruct does not accept image content: the hf "
        "provider cannot send it (it is accepted by every provider but local/ and hf/)"]
    assert not logs.exists()  # refused before any model was called


def test_the_bridge_keeps_the_images_of_an_agents_tool_results() -> None:
    """A sandboxed agent's screenshot (Messages `tool_result`, Responses
    `function_call_output`) goes on to the model with the tool result's text."""
    from evalrunner.agent._bridge import _messages, _responses

    source = {"type": "base64", "media_type": "image/png", "data": SHOT.image.split(",")[1]}
    claude = _messages.parse({"model": "m", "max_tokens": 9, "messages": [
        {"role": "user", "content": "Look."},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "look",
                                           "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [
            {"type": "text", "text": "looked"}, {"type": "image", "source": source}]}]}]})
    assert claude.messages[-1].content == [ContentText(text="looked"), SHOT]
    codex = _responses.parse({"model": "m", "input": [
        {"role": "user", "content": "Look."},
        {"type": "function_call", "call_id": "c1", "name": "look", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": [
            {"type": "input_image", "image_url": SHOT.image}]},
        {"type": "function_call", "call_id": "c2", "name": "look", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c2", "output": [
            {"type": "input_text", "text": "no "}, {"type": "input_text", "text": "screen"}]}]})
    assert [m.content for m in codex.messages[-3::2]] == [[SHOT], "no screen"]
