"""Python @tool functions through use_tools: schema, parallel calls, errors, metadata params."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from evalrunner.registry import resolve
from evalrunner.scorers._score import Score
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

TOOLS = '''
from evalrunner import tool


@tool
def shout():
    async def execute(text: str) -> str:
        """Shout a text.

        Args:
            text: What to shout.
        """
        return text.upper() * 50

    return execute


@tool
def broken():
    async def execute() -> str:
        """Always fails."""
        raise RuntimeError("the disk is on fire")

    return execute
'''


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def run(server: ServerHandle, suite: Path | str, tmp_path: Path) -> list[EvalLog]:
    result = run_cli(
        "run", str(suite), "--model", "openai-api/test/small", "--log-dir", str(tmp_path / "logs"),
        "--display", "plain", env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not server.rejected, server.rejected[0].error
    logs = [read_eval_log(p) for p in (tmp_path / "logs").glob("*.json")]
    return sorted(logs, key=lambda log: log.eval.task)


def test_use_tools_example_parallel_calls_and_metadata_params(server: ServerHandle,
                                                              tmp_path: Path) -> None:
    add, greet = run(server, "suites/solvers/use_tools.yml", tmp_path)
    sample = add.samples[0]
    calls = sample.messages[2].tool_calls  # the model called add twice in one reply
    assert [c.arguments for c in calls] == [{"x": 1, "y": 2}, {"x": 10, "y": 20}]
    assert [m.text for m in sample.messages if m.role == "tool"] == ["3", "30"]
    assert sample.output.completion == "ANSWER: 3 | 30"
    assert sample.messages[0].role == "system"  # the tool's prompt went into a system message
    assert sample.messages[0].text == "Use the add tool for any sum."
    request = next(r.body for r in server.requests if r.body.get("tools")
                   and r.body["tools"][0]["function"]["name"] == "add")
    assert request["tools"][0]["function"]["parameters"]["properties"]["x"] == {
        "type": "integer", "description": "The first number."}
    greeting = greet.samples[0]
    assert greeting.output.completion == "ANSWER: Hello, Ada"
    request = next(r.body for r in server.requests if r.body.get("tools")
                   and r.body["tools"][0]["function"]["name"] == "greet")
    assert list(request["tools"][0]["function"]["parameters"]["properties"]) == ["greeting"]


def test_errors_truncation_and_tool_choice(server: ServerHandle, tmp_path: Path) -> None:
    write(tmp_path / "tools.py", TOOLS)
    suite = write(tmp_path / "s.yml", """
config: {max_tool_output: 20}
tasks:
  - name: t
    dataset:
      samples:
        - input: |
            CALL shout {"text": "hey"}
            CALL broken {}
            CALL missing {}
    plan:
      - use_tools: {tools: [tools.py@shout, tools.py@broken], tool_choice: shout}
      - generate: {tool_calls: single}
""")
    (log,) = run(server, suite, tmp_path)
    sample = log.samples[0]
    assert sample.error is None
    shout, broken, missing = [m for m in sample.messages if m.role == "tool"]
    assert shout.text == "HEY" * 6 + "HE\n[output truncated to 20 characters]"
    assert broken.error == "RuntimeError: the disk is on fire"
    assert missing.error == "no tool named 'missing' (available: shout, broken)"
    assert sample.messages[-1].role == "tool"  # single: one round of calls, no second reply
    request = next(r.body for r in reversed(server.requests) if r.body.get("tools"))
    assert request["tool_choice"] == {"type": "function", "function": {"name": "shout"}}


def test_forced_tool_choice_holds_for_the_first_turn_only(
    server: ServerHandle, tmp_path: Path
) -> None:
    write(tmp_path / "tools.py", TOOLS)
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: t
    dataset:
      samples:
        - input: |
            CALL shout {"text": "hey"}
    plan:
      - use_tools: {tools: [tools.py@shout], tool_choice: any}
      - generate
""")
    before = len(server.requests)
    (log,) = run(server, suite, tmp_path)
    sample = log.samples[0]
    assert sample.error is None
    assert sample.output.completion.startswith("ANSWER: HEY")
    choices = [r.body.get("tool_choice") for r in server.requests[before:]]
    assert choices == ["required", "auto"]


def test_unknown_tool_choice_fails_when_the_plan_is_made() -> None:
    use_tools = resolve("solver", "use_tools").obj
    with pytest.raises(ValueError, match="tool_choice 'nope'"):
        use_tools(["bash"], tool_choice="nope")


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("pass_at_1", ["C", "I", "I", "C"], 0.5),
        ("pass_at_2", ["C", "I", "I", "I"], 0.5),  # 1 - C(3,2)/C(4,2)
        ("pass_at_2", ["I", "I", "I"], 0.0),
        ("pass_at_3", ["C", "I", "I"], 1.0),
        ("at_least_2", ["C", "I", "C"], 1.0),
        ("at_least_3", ["C", "I", "C"], 0.0),
    ],
)
def test_parametric_epoch_reducers(name: str, values: list[Any], expected: float) -> None:
    reduce = resolve("reducer", name).obj()
    assert reduce([Score(value=v) for v in values]).value == pytest.approx(expected)
