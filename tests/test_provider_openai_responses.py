"""openai/ through the Responses API, against a local server that checks its wire format:
when it is chosen, reasoning effort and summaries, tool calls with encrypted reasoning sent
back, reasoning_history, and `-M responses_api=false` opting out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import read_eval_log
from evalrunner.model import (
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    GenerateConfig,
    ToolInfo,
    get_model,
)
from evalrunner.model._get import close_models
from tests.conftest import run_cli, write
from tests.servers.openai_responses_server import ResponsesServer
from tests.servers.openai_server import start_openai_server

KEY = "sk-test-responses"
ADD = ToolInfo(name="add", description="Add two numbers.", parameters={
    "type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
    "required": ["x", "y"]})


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ResponsesServer]:
    with ResponsesServer(api_key=KEY) as handle:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", handle.url)
        monkeypatch.delenv("AZUREAI_OPENAI_API_KEY", raising=False)
        yield handle


async def test_reasoning_effort_and_summary(server: ResponsesServer) -> None:
    server.options.responder = lambda body: {"content": "4", "reasoning": "two and two"}
    model = get_model("openai/o3-pro", config=GenerateConfig(
        reasoning_effort="minimal", reasoning_summary="detailed", max_tokens=500))
    output = await model.generate("What is 2 + 2?")
    await close_models()
    [body] = server.bodies
    assert body["reasoning"] == {"effort": "minimal", "summary": "detailed"}
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["max_output_tokens"] == 500 and body["store"] is False
    assert body["input"] == [{"role": "user", "content": "What is 2 + 2?"}]
    assert output.completion == "4"
    [thought] = [p for p in output.message.content if isinstance(p, ContentReasoning)]
    assert thought.reasoning == "two and two"
    assert output.usage is not None and output.usage.output_tokens == 5


async def test_tool_calls_travel_back_with_their_reasoning(server: ResponsesServer) -> None:
    replies = iter([{"tool_calls": [{"name": "add", "arguments": {"x": 2, "y": 3}}],
                     "reasoning": "use the tool"}, "5"])
    server.options.responder = lambda body: next(replies)
    model = get_model("openai/gpt-5-codex", config=GenerateConfig(reasoning_effort="high"))
    messages: list[Any] = [ChatMessageUser(content="Add 2 and 3.")]
    first = await model.generate(messages, [ADD], "auto")
    [call] = first.message.tool_calls or []
    assert (call.function, call.arguments) == ("add", {"x": 2, "y": 3})
    messages += [first.message,
                 ChatMessageTool(content="5", tool_call_id=call.id, function="add")]
    second = await model.generate(messages, [ADD], "auto")
    await close_models()
    assert not server.rejected, server.rejected[0].error
    assert second.completion == "5"
    sent = server.bodies[1]["input"]
    assert [i.get("type", "message") for i in sent] == [
        "message", "reasoning", "function_call", "function_call_output"]
    assert sent[1]["encrypted_content"] == "enc-1" and sent[1]["id"] == "rs_1"
    assert sent[3] == {"type": "function_call_output", "call_id": call.id, "output": "5"}
    assert server.bodies[0]["tools"] == [{"type": "function", "name": "add",
                                          "description": "Add two numbers.",
                                          "parameters": ADD.parameters}]


async def test_reasoning_history_none_sends_no_reasoning(server: ResponsesServer) -> None:
    replies = iter([{"tool_calls": [{"name": "add", "arguments": {"x": 1, "y": 1}}],
                     "reasoning": "think"}, "2"])
    server.options.responder = lambda body: next(replies)
    model = get_model("openai/gpt-5-codex", config=GenerateConfig(
        reasoning_effort="low", reasoning_history="none"))
    messages: list[Any] = [ChatMessageUser(content="Add 1 and 1.")]
    first = await model.generate(messages, [ADD], "auto")
    call = (first.message.tool_calls or [])[0]
    messages += [first.message, ChatMessageTool(content="2", tool_call_id=call.id)]
    await model.generate(messages, [ADD], "auto")
    await close_models()
    kinds = [i.get("type", "message") for i in server.bodies[1]["input"]]
    assert "reasoning" not in kinds and "function_call" in kinds


def test_cli_default_and_opt_out(tmp_path: Path) -> None:
    write(tmp_path / "suite.yml", (
        "name: r\n"
        "tasks:\n"
        "  - name: r\n"
        "    dataset: {samples: [{input: 'What is 2 + 2?', target: '4'}]}\n"
        "    config: {reasoning_effort: none}\n"
        "    scorer: includes\n"
    ))
    with ResponsesServer(api_key=KEY) as responses, \
            start_openai_server(api_key=KEY, responder=lambda body: "chat 4") as chat:
        responses.options.responder = lambda body: "responses 4"

        def run(model: str, url: str, logs: str, *extra: str) -> str:
            result = run_cli("run", str(tmp_path / "suite.yml"), "--model", model,
                             "--log-dir", str(tmp_path / logs), *extra,
                             env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": url})
            assert result.returncode == 0, result.stderr
            [file] = (tmp_path / logs).glob("*.json")
            return read_eval_log(file).samples[0].output.completion

        assert run("openai/o3-pro", responses.url, "a") == "responses 4"
        assert run("openai/o3-pro", chat.url, "b", "-M", "responses_api=false") == "chat 4"
        assert run("openai/gpt-4o", chat.url, "c") == "chat 4"
        assert run("openai/gpt-4o", responses.url, "d", "-M", "responses_api=true") == \
            "responses 4"
        assert not responses.rejected and not chat.rejected
        assert responses.bodies[0]["reasoning"] == {"effort": "none"}
        assert chat.bodies[0]["reasoning_effort"] == "none"
        assert "responses_api" not in chat.bodies[0]
