"""code_execution: the providers' own code execution on the wire (OpenAI Responses'
code_interpreter, Anthropic's code_execution server tool with its beta, Gemini's
codeExecution), each against its local server; the python fallback in the shipped suite."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import evalrunner
from evalrunner.log import EvalLog
from tests.agent_runs import AGENTS, events_of, run_shipped
from tests.sandboxes import needs_bwrap
from tests.servers._wire_server import WireServer
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.google_server import GoogleServer
from tests.servers.openai_responses_server import ResponsesServer

KEY = "sk-code-0123456789"
REPLY = {"code": "print(2 ** 20)", "stdout": "1048576\n", "content": "It is 1048576."}
SUITE = """name: code
tasks:
  - name: power
    dataset: {samples: [{input: What is 2 to the power 20?, target: "1048576"}]}
    plan: [{use_tools: [%s]}, generate]
    scorer: includes
"""


def _run(tmp_path: Path, server: WireServer, model: str, env: dict[str, str],
         monkeypatch: pytest.MonkeyPatch, tool: str = "code_execution") -> EvalLog:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    server.options.responder = lambda body: dict(REPLY)
    suite = tmp_path / "code.yml"
    suite.write_text(SUITE % tool)
    (log,) = evalrunner.eval(str(suite), model=model, log_dir=str(tmp_path / "logs"),
                             display="none")
    assert not server.rejected, server.rejected[0].error
    assert log.status == "success", log.error
    (sample,) = log.samples
    # The provider ran the code: no tool call came back to run here, one model call
    assert not [m for m in sample.messages if m.role == "tool"]  # type: ignore[attr-defined]
    assert sample.output.completion == "It is 1048576."
    assert sample.scores["includes"].value == "C"
    (event,) = events_of(sample, "model")
    assert event.call is not None and "print(2 ** 20)" in str(event.call["response"])
    return log


def test_openai_code_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ResponsesServer(api_key=KEY) as server:
        _run(tmp_path, server, "openai/gpt-4.1", {
            "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.url}, monkeypatch,
            "{code_execution: {providers: {openai: {container: {type: auto}}, python: false}}}")
        body: dict[str, Any] = server.bodies[0]
    assert body["tools"] == [{"type": "code_interpreter", "container": {"type": "auto"}}]


def test_anthropic_code_execution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with AnthropicServer(api_key=KEY) as server:
        _run(tmp_path, server, "anthropic/claude-sonnet-4-0", {
            "ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": server.base_url()}, monkeypatch)
        (request,) = server.requests
    assert request.body["tools"][0]["type"] == "code_execution_20250825"
    assert request.body["tools"][0]["name"] == "code_execution"
    assert "code-execution-2025-08-25" in request.headers["anthropic-beta"]


def test_google_code_execution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with GoogleServer(api_key=KEY) as server:
        _run(tmp_path, server, "google/gemini-2.5-flash", {
            "GOOGLE_API_KEY": KEY, "GOOGLE_BASE_URL": server.url}, monkeypatch)
        (request,) = server.requests
    assert request.body["tools"] == [{"codeExecution": {}}]


def test_a_wrong_provider_is_refused(tmp_path: Path) -> None:
    suite = tmp_path / "code.yml"
    suite.write_text(SUITE % "{code_execution: {providers: {bing: {}}}}")
    with pytest.raises(Exception, match="unknown code_execution provider 'bing'"):
        evalrunner.eval(str(suite), model="mockllm/model", log_dir=str(tmp_path / "l"),
                        display="none")


@needs_bwrap()
def test_shipped_suite_runs_the_python_fallback_in_the_sandbox(tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "code_execution.yml", tmp_path)
    (sample,) = logs["power"].samples
    (tool,) = [m for m in sample.messages if m.role == "tool"]  # type: ignore[attr-defined]
    assert tool.text.strip() == "1048576"
    assert sample.scores["includes"].value == "C"
    assert events_of(sample, "sandbox")  # run in the bwrap sandbox, not on the host


async def test_an_anthropic_batch_names_the_beta_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from evalrunner.model import GenerateConfig, get_model
    from evalrunner.model._config import BatchConfig
    from evalrunner.tools.builtin.code_execution import code_execution

    with AnthropicServer(api_key=KEY) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        server.options.responder = lambda body: dict(REPLY)
        batch = BatchConfig(size=2, send_delay=0.1, tick=0.05)
        model = get_model("anthropic/claude-sonnet-4-0", config=GenerateConfig(batch=batch),
                          memoize=False)
        info = code_execution().info
        async with model:
            outputs = await asyncio.gather(*(model.generate(f"q{i}", tools=[info])
                                             for i in range(2)))
        assert not server.rejected, server.rejected[0].error
        (created,) = [r for r in server.requests
                      if r.method == "POST" and r.path == "/v1/messages/batches"]
    assert [o.completion for o in outputs] == ["It is 1048576."] * 2
    assert "code-execution-2025-08-25" in created.headers["anthropic-beta"]
