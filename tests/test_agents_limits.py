"""Limits (turns, cost, working time, and the CLI flags) end the sample, named, still scored."""

from __future__ import annotations

from pathlib import Path

from tests.agent_runs import AGENTS, events_of, run_logs, run_shipped, server
from tests.conftest import write
from tests.servers.openai_server import ServerHandle

__all__ = ["server"]


def test_turns_cost_and_working_limits(tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "limits.yml", tmp_path)
    by_id = {s.id: s for s in logs["turns"].samples}
    assert by_id["task_limit"].limit is None  # 2 turns, under the task's 3
    assert by_id["task_limit"].scores["match"].value == "C"
    own = by_id["own_limit"]  # the sample's own limit of 1 turn
    assert own.limit == "turns" and own.error is None
    assert own.output.completion == "43" and own.scores["match"].value == "I"
    (event,) = events_of(own, "limit")
    assert event.type == "turns" and event.limit == 1 and "turn limit of 1" in event.message
    assert len(events_of(own, "model")) == 1

    cost = logs["cost"].samples[0]
    assert cost.limit == "cost" and cost.scores["match"].value == "I"
    (first,) = events_of(cost, "model")
    assert first.cost == first.usage["input_tokens"] * 1.0  # a dollar per input token
    assert events_of(cost, "limit")[0].limit == 20

    working = logs["working"].samples[0]
    assert working.limit == "working" and "match" in working.scores
    assert events_of(working, "tool")[0].function == "python"
    assert logs["working"].eval.limits == {"working": 1}
    assert logs["unbounded"].samples[0].limit == "turns"  # react's default bound


def test_a_cost_limit_without_a_price_is_located_before_any_call(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    suite = write(tmp_path / "s.yml", """
model: mockllm/model
tasks:
  - name: t
    dataset: {samples: [{input: hi}]}
    plan: [react]
    limits: {turns: 3, cost: 2}
""")
    for command in (("validate",), ("run", "--log-dir", str(tmp_path / "logs"))):
        result = run_cli(*command, str(suite))
        assert result.returncode == 2, result.stderr
        assert f"{suite}:7:30: cost limit of $2 cannot apply: no price for model " \
            "mockllm/model" in result.stderr
    assert not (tmp_path / "logs").exists() or not list((tmp_path / "logs").iterdir())
    logs = str(tmp_path / "logs")
    flag = run_cli("run", str(suite), "--log-dir", logs, "--cost-limit", "1")
    assert flag.returncode == 2 and "--cost-limit: cost limit of $1 cannot apply" in flag.stderr
    priced = run_cli("run", str(suite), "--log-dir", logs, "-M", "input_price=1")
    assert priced.returncode == 0, priced.stderr


def test_a_role_model_without_a_price_fails_its_sample_by_name(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
model: mockllm/model
model_args: {outputs: [{function: helper, arguments: {input: hi}}], when_done: repeat_last}
model_roles: {helper_model: mockllm/helper}
prices: {mockllm/model: {input: 1, output: 1}}
tasks:
  - name: t
    dataset: {samples: [{input: hi}]}
    plan:
      - react:
          tools: [{as_tool: {agent: {react: {name: helper, model: helper_model, submit: false}}}}]
    limits: {cost: 5}
""")
    log = run_shipped(suite, tmp_path, expect=1)["t"]
    error = log.samples[0].error
    assert error is not None and "no price for model mockllm/helper" in error.message


def test_cli_limit_flags_override_the_suite(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: loop
    dataset: {samples: [{input: "What is 19 + 23?", target: "42"}]}
    plan: [{react: {attempts: 9}}]
    limits: {turns: 50}
    scorer: {match: {numeric: true}}
""")
    log = run_logs(server, suite, tmp_path / "a", "--turn-limit", "1")["loop"]
    assert log.samples[0].limit == "turns" and log.eval.limits == {"turns": 1}
    log = run_logs(server, suite, tmp_path / "b", "--message-limit", "3")["loop"]
    assert log.samples[0].limit == "messages" and len(log.samples[0].messages) == 4
    assert events_of(log.samples[0], "limit")[0].type == "messages"
    log = run_logs(server, suite, tmp_path / "c", "--cost-limit", "0.5",
                   "-M", "input_price=100000", "-M", "output_price=0")["loop"]
    assert log.samples[0].limit == "cost"
    assert "input_price" not in str(server.requests[-1].body)
    log = run_logs(server, suite, tmp_path / "d", "--token-limit", "10")["loop"]
    assert log.samples[0].limit == "tokens"
    log = run_logs(server, suite, tmp_path / "e", "--working-limit", "100", "--time-limit",
                   "100")["loop"]
    assert log.samples[0].limit is None and log.eval.limits["working"] == 100


def test_bad_limits_and_prices_are_located(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    suite = write(tmp_path / "s.yml", """
prices: {openai/gpt-x: {input: -1}}
tasks:
  - name: t
    dataset: {samples: [{input: hi, limits: {turns: 0}}]}
    limits: {working: fast}
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    assert "s.yml:2:" in result.stderr and "s.yml:5:" in result.stderr
    assert "s.yml:6:" in result.stderr


def test_a_records_unknown_limit_is_reported(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    write(tmp_path / "data.jsonl", '{"input": "hi", "limits": {"turn": 1}}\n')
    suite = write(tmp_path / "s.yml", "tasks:\n  - name: t\n    dataset: {path: data.jsonl}\n")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    assert "unknown limit turn (known: messages, tokens, seconds, working, turns, cost)" \
        in result.stderr
