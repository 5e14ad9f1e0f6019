"""basic_agent end to end: wrong submission, told so, right submission; tools; limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


def run(server: ServerHandle, suite: Path | str, tmp_path: Path, *extra: str) -> EvalLog:
    result = run_cli(
        "run", str(suite), "--model", MODEL, "--log-dir", str(tmp_path / "logs"),
        "--display", "plain", *extra,
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not server.rejected, server.rejected[0].error
    (log_file,) = (tmp_path / "logs").glob("*.json")
    return read_eval_log(log_file)


def test_react_agent_is_told_it_was_wrong_and_submits_again(server: ServerHandle,
                                                            tmp_path: Path) -> None:
    log = run(server, "suites/solvers/basic_agent.yml", tmp_path)
    assert log.status == "success"
    for sample in log.samples:
        submits = [c.arguments["answer"] for m in sample.messages if m.role == "assistant"
                   for c in (m.tool_calls or []) if c.function == "submit"]
        assert submits == ["43", "42"]  # wrong first, then right
        told = [m.text for m in sample.messages if m.role == "user"][1]
        assert told == "43 is not right (attempt 1). Try again."
        assert sample.output.completion == "42"
        assert sample.scores["match"].value == "C"
        assert sample.messages[0].role == "system" and "submit()" in sample.messages[0].text


def test_one_attempt_keeps_the_wrong_answer(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "agent.yml", """
tasks:
  - name: once
    dataset: {samples: [{input: "What is 19 + 23?", target: "42"}]}
    plan:
      - basic_agent: {submit_name: submit, submit_description: Hand in the final answer.}
    scorer: {match: {numeric: true}}
""")
    log = run(server, suite, tmp_path)
    sample = log.samples[0]
    assert sample.output.completion == "43"
    assert sample.scores["match"].value == "I"
    assert not any("not right" in m.text for m in sample.messages)
    request = next(r.body for r in reversed(server.requests) if r.body and r.body.get("tools")
                   and "19 + 23" in str(r.body["messages"]))
    submit = next(t for t in request["tools"] if t["function"]["name"] == "submit")
    assert submit["function"]["description"] == "Hand in the final answer."


def test_agent_uses_a_tool_then_submits_its_result(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "agent.yml", """
tasks:
  - name: tool_then_submit
    dataset:
      samples:
        - input: |
            What is 6 * 7? Compute it.
            CALL python {"code": "print(6 * 7)"}
          target: "42"
    plan:
      - basic_agent:
          init: {system_message: "Use python, then submit."}
          tools: [python]
    scorer: {match: {numeric: true}}
""")
    log = run(server, suite, tmp_path)
    sample = log.samples[0]
    tool_messages = [m for m in sample.messages if m.role == "tool"]
    assert tool_messages[0].function == "python" and tool_messages[0].text.strip() == "42"
    assert sample.messages[0].text == "Use python, then submit."
    assert sample.scores["match"].value == "C"


def test_message_limit_ends_the_loop(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "agent.yml", """
tasks:
  - name: limited
    dataset: {samples: [{input: "What is 1 + 1?", target: "2"}]}
    plan:
      - basic_agent: {max_attempts: 10, message_limit: 4}
    scorer: {match: {numeric: true}}
""")
    log = run(server, suite, tmp_path)
    sample = log.samples[0]
    assert len(sample.messages) == 4
    assert sample.limit == "messages"
