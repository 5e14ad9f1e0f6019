"""Inspect's command-line habits: `--solver -S`, `--epochs-reducer`, `score --action append`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

MODEL = "openai-api/test/small"
DATA = "\n".join(
    f'{{"id": {i}, "input": "What is {i} + {i}?", "target": "{2 * i}"}}' for i in range(1, 4)
)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def _suite(tmp_path: Path) -> Path:
    write(tmp_path / "data.jsonl", DATA + "\n")
    write(tmp_path / "helpers.py", (
        "from evalrunner.solvers import solver\n\n"
        "@solver\n"
        "def shout(suffix: str = '!', times: int = 1):\n"
        "    async def solve(state, generate):\n"
        "        state.user_prompt.text = state.user_prompt.text + suffix * times\n"
        "        return await generate(state)\n"
        "    return solve\n"
    ))
    return write(tmp_path / "sums.yml", (
        "name: sums\n"
        "tasks:\n"
        "  - name: sums\n"
        "    dataset: {path: data.jsonl}\n"
        "    plan: [{user_message: 'Never mind the question.'}, generate]\n"
        "    epochs: 2\n"
        "    scorer: {match: {numeric: true}}\n"
    ))


def _run(server: ServerHandle, tmp_path: Path, *extra: str) -> EvalLog:
    logs = tmp_path / "logs"
    result = run_cli(
        "run", str(_suite(tmp_path)), "--model", MODEL, "--log-dir", str(logs),
        "--display", "plain", *extra,
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [file] = logs.glob("*.json")
    return read_eval_log(file)


def test_solver_option_replaces_the_plan_and_is_logged(server: ServerHandle,
                                                       tmp_path: Path) -> None:
    start = len(server.requests)
    log = _run(server, tmp_path, "--solver", "helpers.py@shout", "-S", "suffix=?",
               "-S", "times=3", "--epochs-reducer", "max,mode")
    asked = [r.body["messages"] for r in server.requests[start:]]
    # The suite's user_message step is gone: the only user turn is the rewritten prompt.
    assert all(len(m) == 1 and m[0]["content"].endswith("???") for m in asked)
    assert len(asked) == 6
    assert [(s.name, s.args) for s in log.plan.steps] == [
        ("helpers.py@shout", {"suffix": "?", "times": 3})
    ]
    assert log.eval.epochs_reducer == ["max", "mode"]
    assert log.results is not None
    assert [s.name for s in log.results.scores] == ["match/max", "match/mode"]
    assert log.results.scores[0].metrics["accuracy"].value == 1.0


def test_solver_option_errors_are_located_and_nothing_runs(server: ServerHandle,
                                                           tmp_path: Path) -> None:
    start = len(server.requests)
    suite = _suite(tmp_path)
    result = run_cli("run", str(suite), "--model", MODEL, "--log-dir", str(tmp_path / "l"),
                     "--solver", "helpers.py@shout", "-S", "suffx=?", "--epochs-reducer", "meen",
                     env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"})
    assert result.returncode == 2
    assert "--solver:1:" in result.stderr and "did you mean 'suffix'" in result.stderr
    assert "--epochs-reducer:1:" in result.stderr and "meen" in result.stderr
    assert result.stderr.count("suffx") == 1  # said once, not once per task
    assert len(server.requests) == start
    checked = run_cli("validate", str(suite), "--solver", "nosuch_solver")
    assert checked.returncode == 2 and "nosuch_solver" in checked.stderr


def test_score_append_keeps_the_existing_scores(server: ServerHandle, tmp_path: Path) -> None:
    log = _run(server, tmp_path)
    file = Path(str(log.location)) if log.location else next((tmp_path / "logs").glob("*.json"))
    result = run_cli("score", str(file), "--action", "append", "--scorer", "includes",
                     "--scorer", "match")
    assert result.returncode == 0, result.stderr
    scored = read_eval_log(file)
    assert [s.name for s in scored.plan.scorers] == ["match", "includes", "match"]
    for sample in scored.samples:
        assert set(sample.scores) == {"match", "includes", "match_2"}
    assert scored.results is not None
    # Two epochs: each scorer's results are named with the reducer (`match/mean`).
    assert [s.name for s in scored.results.scores] == [
        "match/mean", "includes/mean", "match_2/mean"
    ]
    overwrite = run_cli("score", str(file), "--action", "overwrite", "--scorer", "includes")
    assert overwrite.returncode == 0, overwrite.stderr
    assert {tuple(s.scores) for s in read_eval_log(file).samples} == {("includes",)}
    refused = run_cli("score", str(file), "--action", "append")
    assert refused.returncode == 2 and "needs the scorers" in refused.stderr
