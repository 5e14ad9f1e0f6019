"""Each solver's example suite, end to end through the CLI, against the scripted model server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

MODEL = "openai-api/test/small"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def run_suite(server: ServerHandle, suite: str, tmp_path: Path, *extra: str) -> list[EvalLog]:
    """Run an example suite on the scripted model; the logs, by task name order."""
    result = run_cli(
        "run", suite, "--model", MODEL, "--log-dir", str(tmp_path), "--display", "plain", *extra,
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not server.rejected, server.rejected[0].error
    logs = [read_eval_log(p) for p in tmp_path.glob("*.json")]
    return sorted(logs, key=lambda log: log.eval.task)


def accuracy(log: EvalLog) -> Any:
    assert log.results is not None
    return log.results.scores[0].metrics["accuracy"].value


def user_texts(request_body: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in request_body["messages"] if m["role"] == "user")


def test_multiple_choice_shuffles_and_maps_letters_back(server: ServerHandle,
                                                        tmp_path: Path) -> None:
    logs = run_suite(server, "suites/solvers/multiple_choice.yml", tmp_path, "-T", "shuffle=7")
    arithmetic, several = logs[0], logs[1]
    assert arithmetic.status == "success" and accuracy(arithmetic) == 1.0
    assert accuracy(several) == 1.0
    moved = 0
    for sample in arithmetic.samples:
        record = sample.store["multiple_choice"]
        assert record["seed"] == 7 and sorted(record["order"]) == [0, 1, 2, 3]
        said = sample.messages[-1].text  # what the model wrote, in the shuffled letters
        shown = "ABCD"[record["order"].index("ABCD".index(str(sample.target)))]
        assert said == f"ANSWER: {shown}"
        moved += shown != sample.target
        assert sample.output.completion == f"ANSWER: {sample.target}"  # mapped back
        assert sample.scores["choice"].answer == sample.target
    assert moved >= 2  # the model really answered in other letters than the dataset's


def test_multiple_choice_seed_repeats_the_order(server: ServerHandle, tmp_path: Path) -> None:
    first = run_suite(server, "suites/solvers/multiple_choice.yml", tmp_path / "a",
                      "-T", "shuffle=11", "-F", "name=arithmetic")[0]
    again = run_suite(server, "suites/solvers/multiple_choice.yml", tmp_path / "b",
                      "-T", "shuffle=11", "-F", "name=arithmetic")[0]
    orders = {s.id: s.store["multiple_choice"]["order"] for s in first.samples}
    assert orders == {s.id: s.store["multiple_choice"]["order"] for s in again.samples}


def test_multiple_choice_without_shuffle_keeps_order(server: ServerHandle,
                                                     tmp_path: Path) -> None:
    log = run_suite(server, "suites/solvers/multiple_choice.yml", tmp_path,
                    "-T", "shuffle=false", "-F", "name=arithmetic")[0]
    assert accuracy(log) == 1.0
    assert all("order" not in s.store["multiple_choice"] for s in log.samples)
    assert all(s.messages[-1].text == f"ANSWER: {s.target}" for s in log.samples)


def test_rescoring_a_shuffled_multiple_choice_log_gives_the_same_scores(
    server: ServerHandle, tmp_path: Path
) -> None:
    log = run_suite(server, "suites/solvers/multiple_choice.yml", tmp_path,
                    "-T", "shuffle=7", "-F", "name=arithmetic", "--no-score")[0]
    assert all(not s.scores for s in log.samples)
    before = len(server.requests)
    result = run_cli("score", str(log.location))
    assert result.returncode == 0, result.stderr
    assert len(server.requests) == before  # choice needs no model
    scored = read_eval_log(str(log.location))
    assert accuracy(scored) == 1.0
    assert all(s.scores["choice"].answer == s.target for s in scored.samples)


def test_self_critique_uses_the_critic_role(server: ServerHandle, tmp_path: Path) -> None:
    before = len(server.requests)
    log = run_suite(server, "suites/solvers/self_critique.yml", tmp_path,
                    "--model-role", f"critic={MODEL}")[0]
    assert accuracy(log) == 1.0
    bodies = [r.body for r in server.requests[before:]]
    critiques = [b for b in bodies if "[Answer]:" in user_texts(b) and "[Critique]" not in
                 user_texts(b)]
    assert len(critiques) == 2  # one critique per sample, sent as its own conversation
    sample = log.samples[0]
    assert "[Critique]: The original answer is fully correct." in sample.messages[-2].text
    assert sample.messages[-1].role == "assistant"


def test_chain_runs_its_steps(server: ServerHandle, tmp_path: Path) -> None:
    log = run_suite(server, "suites/solvers/chain.yml", tmp_path)[0]
    assert accuracy(log) == 1.0
    roles = [m.role for m in log.samples[0].messages]
    assert roles == ["system", "user", "assistant"]
    assert "step by step" in log.samples[0].messages[1].text


def test_fork_keeps_both_answers_and_continues_with_one(server: ServerHandle,
                                                        tmp_path: Path) -> None:
    log = run_suite(server, "suites/solvers/fork.yml", tmp_path)[0]
    sample = log.samples[0]
    assert sample.store["fork"] == ["ANSWER: 42", "ANSWER: 42"]
    assert "step by step" in sample.messages[0].text  # branch 1's rewritten prompt
    assert accuracy(log) == 1.0


def test_finish_runs_after_the_message_limit(server: ServerHandle, tmp_path: Path) -> None:
    log = run_suite(server, "suites/solvers/finish.yml", tmp_path)[0]
    sample = log.samples[0]
    assert sample.limit == "messages"
    texts = [m.text for m in sample.messages]
    assert texts[-1] == "The plan is finished."
    assert "Are you sure? Answer again." not in texts  # the steps after the limit did not run


def test_bridge_calls_a_plain_agent_function(server: ServerHandle, tmp_path: Path) -> None:
    log = run_suite(server, "suites/solvers/bridge.yml", tmp_path)[0]
    sample = log.samples[0]
    assert accuracy(log) == 1.0
    assert sample.output.completion == "ANSWER: 42"
    assert sample.store == {"asked": "What is 30 + 12?"}
