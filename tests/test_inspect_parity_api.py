"""Inspect's Python API habits, end to end on the scripted model: TaskState helpers, fork,
basic_agent with a tool solver and a cache, get_model roles with defaults, `${{ model }}`,
and multiple_choice templates written with Inspect's variables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

MODEL = "openai-api/test/small"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def _env(server: ServerHandle, tmp_path: Path) -> dict[str, str]:
    return {"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
            "EVALRUNNER_CACHE_DIR": str(tmp_path / "cache")}


def _run(server: ServerHandle, tmp_path: Path, suite: Path, *extra: str,
         logs: str = "logs") -> EvalLog:
    result = run_cli("run", str(suite), "--model", MODEL, "--log-dir", str(tmp_path / logs),
                     "--display", "plain", *extra, env=_env(server, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not server.rejected, server.rejected[0].error
    [file] = (tmp_path / logs).glob("*.json")
    return read_eval_log(file)


AGENT_PY = '''
from pydantic import BaseModel

from evalrunner import get_model, tool
from evalrunner.solvers import StoreModel, fork, score, solver
from evalrunner.solvers.builtin.basic_agent import basic_agent
from evalrunner.solvers.builtin.generate import generate
from evalrunner.solvers.builtin.use_tools import use_tools


class Extra(BaseModel):
    level: int
    topic: str = "sums"


class Progress(StoreModel):
    steps: int = 0
    notes: list[str] = []


@tool
def add():
    async def execute(x: int, y: int) -> int:
        """Add two numbers.

        Args:
            x: First number.
            y: Second number.
        """
        return x + y
    return execute


@solver
def inspect_style():
    async def solve(state, generate_):
        extra = state.metadata_as(Extra)
        progress = state.store_as(Progress)
        progress.steps += extra.level
        progress.notes.append(extra.topic)
        named = state.store_as(Progress, instance="other")
        named.steps = 7
        branches = await fork(state, [generate(), generate()])
        state.store["branches"] = [b.output.completion for b in branches]
        state.store["untouched"] = state.output.completion == ""
        one = await fork(state, generate())
        state.store["one"] = one.output.completion
        state = await generate_(state)
        await score(state)
        state.store["scored"] = {k: v.value for k, v in state.scores.items()}
        return state
    return solve


@solver
def per_sample_tools():
    async def solve(state, generate_):
        state.tools = [add()]
        return state
    return solve


@solver
def agent():
    return basic_agent(tools=per_sample_tools(), cache=True)


@solver
def ask_roles():
    async def solve(state, generate_):
        critic = get_model(role="critic", default="openai-api/test/fallback")
        out = await critic.generate("What is 1 + 1?")
        state.store["critic"] = out.model
        return state
    return solve
'''


def _suite(tmp_path: Path, plan: str, dataset: str, scorer: str = "match") -> Path:
    write(tmp_path / "agent.py", AGENT_PY)
    return write(tmp_path / "suite.yml", (
        "name: parity\n"
        "tasks:\n"
        "  - name: parity\n"
        f"    dataset: {dataset}\n"
        f"    plan: {plan}\n"
        f"    scorer: {scorer}\n"
    ))


SUMS = ("{samples: [{id: 1, input: 'What is 2 + 3?', target: '5', "
        "metadata: {level: 2, topic: add}}]}")


def test_task_state_helpers_fork_and_scores(server: ServerHandle, tmp_path: Path) -> None:
    log = _run(server, tmp_path, _suite(tmp_path, "['agent.py@inspect_style']", SUMS))
    [sample] = log.samples
    assert sample.error is None
    store = sample.store
    assert store["Progress:steps"] == 2 and store["Progress:notes"] == ["add"]
    assert store["Progress:other:steps"] == 7 and store["Progress:other:notes"] == []
    assert store["branches"] == ["ANSWER: 5", "ANSWER: 5"]
    assert store["untouched"] is True and store["one"] == "ANSWER: 5"
    assert store["scored"] == {"match": "C"}
    # The forks worked on copies: the conversation is the prompt and one answer.
    assert [m.role for m in sample.messages] == ["user", "assistant"]


def test_basic_agent_with_a_tool_solver_and_cache(server: ServerHandle, tmp_path: Path) -> None:
    dataset = ("{samples: [{id: 1, input: \"CALL add {\\\"x\\\": 2, \\\"y\\\": 3}\", "
               "target: '5'}]}")
    suite = _suite(tmp_path, "['agent.py@agent']", dataset, scorer="includes")
    start = len(server.requests)
    log = _run(server, tmp_path, suite)
    first = server.requests[start:]
    [sample] = log.samples
    assert sample.error is None and sample.scores["includes"].value == "C"
    tools = {t["function"]["name"] for t in first[0].body["tools"]}
    assert tools == {"add", "submit"}  # the solver's tool for this sample, and submit
    assert any(m.role == "tool" and m.text == "5" for m in sample.messages)
    # cache=True: the same agent run again is answered from the cache.
    again = _run(server, tmp_path, suite, logs="again")
    assert len(server.requests) == start + len(first)
    assert again.samples[0].output.completion == sample.output.completion


def test_get_model_role_falls_back_to_default(server: ServerHandle, tmp_path: Path) -> None:
    suite = _suite(tmp_path, "['agent.py@ask_roles']", SUMS, scorer="includes")
    start = len(server.requests)
    log = _run(server, tmp_path, suite)
    assert log.samples[0].store["critic"] == "fallback"
    bound = _run(server, tmp_path, suite, "--model-role", "critic=openai-api/test/critic",
                 logs="bound")
    assert bound.samples[0].store["critic"] == "critic"
    assert [r.body["model"] for r in server.requests[start:]] == ["fallback", "critic"]


def test_model_name_in_expressions(server: ServerHandle, tmp_path: Path) -> None:
    write(tmp_path / "suite.yml", (
        "name: by_model\n"
        "config:\n"
        "  temperature: \"${{ 0.25 if model.startswith('openai-api/test/') else 1.0 }}\"\n"
        "tasks:\n"
        "  - name: by_model\n"
        "    dataset: {samples: [{input: 'What is 2 + 2?', target: '4'}]}\n"
        "    plan: [{system_message: 'You are ${{ model }}.'}, generate]\n"
        "    scorer: includes\n"
    ))
    start = len(server.requests)
    _run(server, tmp_path, tmp_path / "suite.yml")
    [request] = server.requests[start:]
    assert request.body["temperature"] == 0.25
    assert request.body["messages"][0]["content"] == f"You are {MODEL}."


def _mc_suite(tmp_path: Path, template: str) -> Path:
    write(tmp_path / "mc.j2", template)
    return write(tmp_path / "mc.yml", (
        "name: mc\n"
        "tasks:\n"
        "  - name: mc\n"
        "    dataset: {samples: [{input: 'What is 2 + 3?', choices: ['4', '5', '6'], "
        "target: B}]}\n"
        "    plan: [{multiple_choice: {template: mc.j2}}]\n"
        "    scorer: choice\n"
    ))


def test_multiple_choice_template_with_inspect_variables(server: ServerHandle,
                                                         tmp_path: Path) -> None:
    template = ("Question: {{ question }}\n\n{{ choices }}\n\n"
                "{{ choices_list | length }} options; reply 'ANSWER: $LETTER' with one of "
                "{{ letters }}.{% for c in choices %} [{{ c }}]{% endfor %}")
    start = len(server.requests)
    log = _run(server, tmp_path, _mc_suite(tmp_path, template))
    [request] = server.requests[start:]
    prompt = request.body["messages"][-1]["content"]
    assert prompt == ("Question: What is 2 + 3?\n\nA) 4\nB) 5\nC) 6\n\n3 options; reply "
                      "'ANSWER: $LETTER' with one of A,B,C. [4] [5] [6]")
    assert log.samples[0].scores["choice"].value == "C"


def test_an_inspect_format_template_is_refused_before_any_call(server: ServerHandle,
                                                               tmp_path: Path) -> None:
    suite = _mc_suite(tmp_path, "{question}\n\n{choices}\n\nAnswer with {letters}.")
    start = len(server.requests)
    result = run_cli("run", str(suite), "--model", MODEL, "--log-dir", str(tmp_path / "l"),
                     env=_env(server, tmp_path))
    assert result.returncode == 2
    assert "mc.yml:" in result.stderr and "{{ question }}" in result.stderr
    assert len(server.requests) == start
    checked = run_cli("validate", str(suite))
    assert checked.returncode == 2 and "str.format" in checked.stderr


def test_audio_is_refused_by_providers_without_audio(tmp_path: Path) -> None:
    from tests.servers.anthropic_server import AnthropicServer

    (tmp_path / "clip.wav").write_bytes(b"RIFF")  # a local file, read as the dataset loads
    message: dict[str, Any] = {"role": "user", "content": [
        {"type": "text", "text": "What is said?"},
        {"type": "audio", "audio": "clip.wav", "format": "wav"}]}
    write(tmp_path / "data.jsonl", json.dumps({"input": [message], "target": "x"}) + "\n")
    write(tmp_path / "audio.yml", (
        "name: audio\n"
        "tasks:\n"
        "  - name: audio\n"
        "    dataset: {path: data.jsonl}\n"
        "    scorer: includes\n"
    ))
    with AnthropicServer() as anthropic, start_openai_server(responder=lambda b: "x") as openai:
        refused = run_cli("run", str(tmp_path / "audio.yml"), "--model",
                          "anthropic/claude-test", "--log-dir", str(tmp_path / "a"),
                          env={"ANTHROPIC_BASE_URL": anthropic.base_url(),
                               "ANTHROPIC_API_KEY": "test-key"})
        sent = run_cli("run", str(tmp_path / "audio.yml"), "--model", "openai/gpt-4o-audio",
                       "--log-dir", str(tmp_path / "o"),
                       env={"OPENAI_BASE_URL": openai.url, "OPENAI_API_KEY": "test-key"})
        assert refused.returncode == 1 and not anthropic.requests
        assert sent.returncode == 0, sent.stderr
        [body] = openai.bodies
    [log] = (tmp_path / "a").glob("*.json")
    error = read_eval_log(log).samples[0].error
    assert error is not None and "does not accept audio" in error.message
    assert body["messages"][0]["content"][1] == {
        "type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
