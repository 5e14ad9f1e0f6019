"""Screenshots in tool results on the wire (OpenAI Chat Completions and Responses, Anthropic,
Google, Bedrock), and the providers' own computer-use tools (Anthropic's computer_20250124 with its
beta, OpenAI's computer_use_preview), each against its local API server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from evalrunner.model import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentText,
    get_model,
)
from evalrunner.model._chat import ChatMessageBase, ToolCall
from evalrunner.model.providers._openai_computer import arguments
from evalrunner.tools._info import ToolInfo
from evalrunner.tools.builtin.computer import computer
from tests.extras import needs_extra
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.bedrock_server import ACCESS_KEY, SECRET_KEY, BedrockServer
from tests.servers.google_server import GoogleServer
from tests.servers.openai_responses_server import ResponsesServer
from tests.servers.openai_server import start_openai_server

KEY = "sk-computer-0123456789"
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
       "rkJggg==")
SHOT = ContentImage(image="data:image/png;base64," + PNG)
CLICK = {"action": "left_click", "coordinate": [300, 250]}


def _conversation() -> list[ChatMessageBase]:
    calls = [ToolCall(id="call_1", function="computer", arguments=CLICK),
             ToolCall(id="call_2", function="computer", arguments={"action": "screenshot"})]
    return [ChatMessageUser(content="Click the button."),
            ChatMessageAssistant(content="", tool_calls=calls),
            ChatMessageTool(content=[ContentText(text="clicked"), SHOT], tool_call_id="call_1",
                            function="computer"),
            ChatMessageTool(content=[SHOT], tool_call_id="call_2", function="computer")]


@pytest.fixture(scope="module")
def info() -> ToolInfo:
    return computer().info  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.setenv(name, KEY)
    yield


async def _generate(model: str, url: str, info: ToolInfo, **args: Any) -> Any:
    llm = get_model(model, base_url=url, memoize=False, **args)
    async with llm:
        return await llm.generate(_conversation(), tools=[info])


async def test_chat_completions_sends_the_screenshots_after_the_tool_messages(
        info: ToolInfo) -> None:
    with start_openai_server(api_key=KEY, responder=lambda body: "done") as server:
        await _generate("openai/gpt-4o", server.url, info)
        assert not server.rejected, server.rejected[0].error
        messages = server.bodies[0]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool", "user"]
    assert messages[2]["content"] == "clicked" and messages[3]["content"] == ""
    shown = messages[4]["content"]
    assert [p["type"] for p in shown] == ["text", "image_url", "text", "image_url"]
    assert shown[0]["text"] == "Images of tool call call_1:"
    assert shown[1]["image_url"]["url"] == SHOT.image
    assert server.bodies[0]["tools"][0]["function"]["name"] == "computer"  # not native


async def test_responses_sends_screenshots_in_the_function_output(info: ToolInfo) -> None:
    with ResponsesServer(api_key=KEY) as server:
        server.options.responder = lambda body: "done"
        await _generate("openai/gpt-4.1", server.base_url(), info, responses_api=True)
        assert not server.rejected, server.rejected[0].error
        body = server.bodies[0]
    outputs = [i for i in body["input"] if i.get("type") == "function_call_output"]
    assert outputs[0]["output"] == [{"type": "input_text", "text": "clicked"}, {
        "type": "input_image", "image_url": SHOT.image, "detail": "auto"}]
    assert outputs[1]["output"] == [{"type": "input_image", "image_url": SHOT.image,
                                     "detail": "auto"}]
    assert body["tools"][0]["type"] == "function"  # computer_use_preview only for its model


async def test_anthropic_uses_its_computer_tool_and_images_in_tool_results(
        info: ToolInfo) -> None:
    with AnthropicServer(api_key=KEY) as server:
        server.options.responder = lambda body: [{"name": "computer", "arguments": {
            "action": "double_click", "coordinate": [10, 20]}}]
        output = await _generate("anthropic/claude-sonnet-4-0", server.base_url(), info)
        assert not server.rejected, server.rejected[0].error
        (request,) = server.requests
    (tool,) = request.body["tools"]
    tool.pop("cache_control", None)  # the prompt cache's mark on the last tool
    assert tool == {
        "type": "computer_20250124", "name": "computer", "display_width_px": 1024,
        "display_height_px": 768, "display_number": 1}
    assert "computer-use-2025-01-24" in request.headers["anthropic-beta"]
    first, second = request.body["messages"][2]["content"]
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": PNG}}
    assert first["content"] == [{"type": "text", "text": "clicked"}, image]
    assert second["content"] == [image]
    (call,) = output.message.tool_calls  # the model's click comes back as the tool's call
    assert (call.function, call.arguments) == ("computer", {"action": "double_click",
                                                            "coordinate": [10, 20]})


async def test_an_older_claude_gets_the_computer_as_a_function(info: ToolInfo) -> None:
    with AnthropicServer(api_key=KEY) as server:
        server.options.responder = lambda body: "done"
        await _generate("anthropic/claude-3-5-haiku-latest", server.base_url(), info)
        assert not server.rejected, server.rejected[0].error
        (request,) = server.requests
    assert request.body["tools"][0]["name"] == "computer"
    assert "input_schema" in request.body["tools"][0]
    assert "computer-use" not in request.headers.get("anthropic-beta", "")


async def test_google_sends_screenshots_beside_the_function_responses(info: ToolInfo) -> None:
    with GoogleServer(api_key=KEY) as server:
        server.options.responder = lambda body: "done"
        await _generate("google/gemini-2.5-flash", server.url, info)
        assert not server.rejected, server.rejected[0].error
        (request,) = server.requests
    parts = request.body["contents"][2]["parts"]
    assert [next(iter(p)) for p in parts] == [
        "functionResponse", "inlineData", "functionResponse", "inlineData"]
    assert parts[0]["functionResponse"]["response"] == {"output": "clicked"}
    assert parts[1]["inlineData"] == {"mimeType": "image/png", "data": PNG}


async def test_openai_computer_use_maps_its_actions_both_ways(info: ToolInfo) -> None:
    actions = [{"type": "click", "button": "right", "x": 5, "y": 6},
               {"type": "keypress", "keys": ["CTRL", "A"]},
               {"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]},
               {"type": "scroll", "x": 7, "y": 8, "scroll_x": 0, "scroll_y": -300}]
    with ResponsesServer(api_key=KEY) as server:
        server.options.responder = lambda body: {"computer": actions}
        llm = get_model("openai/computer-use-preview", base_url=server.base_url(),
                        memoize=False)
        async with llm:
            first = await llm.generate([ChatMessageUser(content="Go.")], tools=[info])
            calls = first.message.tool_calls or []
            answers = [ChatMessageTool(content=[SHOT], tool_call_id=c.id, function="computer")
                       for c in calls[:3]]
            answers.append(ChatMessageTool(content="xdotool: failed", error="xdotool: failed",
                                           tool_call_id=calls[3].id, function="computer"))
            server.options.responder = lambda body: "done"
            await llm.generate([ChatMessageUser(content="Go."), first.message, *answers],
                               tools=[info])
        assert not server.rejected, server.rejected[0].error
        first_body, second = server.bodies
    assert first_body["tools"] == [{"type": "computer_use_preview", "display_width": 1024,
                                    "display_height": 768, "environment": "linux"}]
    assert first_body["truncation"] == "auto"
    assert [c.arguments for c in calls] == [
        {"action": "right_click", "coordinate": [5, 6]}, {"action": "key", "text": "ctrl+a"},
        {"action": "left_click_drag", "start_coordinate": [1, 2], "coordinate": [3, 4]},
        {"action": "scroll", "coordinate": [7, 8], "scroll_direction": "up",
         "scroll_amount": 3}]
    sent = second["input"][1:]
    assert [i["action"] for i in sent[:4]] == actions  # the calls go back as they came
    outputs = [i for i in sent if i.get("type") == "computer_call_output"]
    assert [o["call_id"] for o in outputs] == [c.id for c in calls]
    assert {o["output"]["image_url"] for o in outputs} == {SHOT.image}
    assert sent[-1] == {"role": "user", "content": "The computer action failed: xdotool: failed"}
    assert arguments({"type": "click", "button": "wheel", "x": 1, "y": 2}) == {
        "action": "middle_click", "coordinate": [1, 2]}


@needs_extra("bedrock", "botocore")
async def test_bedrock_sends_screenshots_inside_the_tool_results(
        info: ToolInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    with BedrockServer() as server:
        for name, value in {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                            "AWS_DEFAULT_REGION": "us-east-1", "BEDROCK_BASE_URL": server.url,
                            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}.items():
            monkeypatch.setenv(name, value)
        server.options.responder = lambda body: "done"
        llm = get_model("bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0", memoize=False)
        async with llm:
            await llm.generate(_conversation(), tools=[info])
        assert not server.rejected, server.rejected[0].error
        first, second = server.requests[0].body["messages"][2]["content"]
    image = {"image": {"format": "png", "source": {"bytes": PNG}}}
    assert first["toolResult"]["content"] == [{"text": "clicked"}, image]
    assert second["toolResult"]["content"][1:] == [image]
