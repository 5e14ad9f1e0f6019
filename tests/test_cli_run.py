"""`evalrunner run` end to end, as a subprocess against a local OpenAI-compatible server."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import ROOT, run_cli, write
from tests.servers.openai_server import start_openai_server

ARITHMETIC = "\n".join(
    f'{{"id": {i}, "input": "What is {i} + {i}?", "target": "{2 * i}"}}' for i in range(1, 11)
)


def _answer(body: dict[str, Any]) -> str:
    """Answer 'What is a + b?' correctly, so every sample can be scored C."""
    text = str(body["messages"][-1]["content"])
    match = re.search(r"(\d+) \+ (\d+)", text)
    return f"The answer is {int(match[1]) + int(match[2])}." if match else "I do not know."


def _suite(tmp_path: Path, extra: str = "") -> Path:
    write(tmp_path / "data.jsonl", ARITHMETIC + "\n")
    return write(
        tmp_path / "arith.yml",
        "name: arith\n"
        "model: openai-api/test/small\n"
        "tasks:\n"
        "  - name: sums\n"
        "    dataset: {path: data.jsonl}\n"
        "    plan:\n"
        "      - system_message: Answer with a number.\n"
        "      - generate\n"
        "    scorer: {match: {numeric: true, location: any}}\n"
        "    metrics: [accuracy, stderr]\n" + extra,
    )


def _env(url: str) -> dict[str, str]:
    return {"TEST_BASE_URL": url, "TEST_API_KEY": "test-key"}


def _only_log(log_dir: Path) -> EvalLog:
    files = sorted(log_dir.glob("*.json"))
    assert len(files) == 1, files
    return read_eval_log(files[0])


def test_hello_runs_offline(tmp_path: Path) -> None:
    result = run_cli("run", "suites/examples/hello.yml", "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "accuracy=1.000" in result.stdout
    log = _only_log(tmp_path)
    assert log.status == "success" and len(log.samples) == 2
    assert log.eval.stamp.suite_hash and log.eval.stamp.task_hash


def test_run_against_server_with_rate_limits_and_errors(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    with start_openai_server(responder=_answer, fail_429=2, fail_500=1) as server:
        result = run_cli(
            "run", str(suite), "--log-dir", str(tmp_path / "logs"), "--max-connections", "3",
            env=_env(server.url),
        )
        assert result.returncode == 0, result.stderr
        assert not server.rejected
        ok = [r for r in server.requests if r.status == 200]
        assert len(ok) == 10
    log = _only_log(tmp_path / "logs")
    assert log.results is not None
    assert log.results.scores[0].metrics["accuracy"].value == 1.0
    assert all(s.scores["match"].value == "C" for s in log.samples)
    stats = log.stats.models["openai-api/test/small"]
    assert stats.rate_limits == 2 and stats.retries == 3
    assert "accuracy=1.000" in result.stdout
    assert "test-key" not in (tmp_path / "logs").joinpath(Path(str(log.location)).name).read_text()


def test_bad_input_is_reported_before_any_request(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    text = suite.read_text().replace("      - generate\n", "      - generat\n")
    suite.write_text(text.replace("path: data.jsonl", "path: missing.jsonl"))
    with start_openai_server(responder=_answer) as server:
        result = run_cli(
            "run", str(suite), "--log-dir", str(tmp_path / "logs"), env=_env(server.url)
        )
        assert server.requests == []
    assert result.returncode == 2
    assert f"{suite}:8:9:" in result.stderr and "generate" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_unknown_task_param_lists_known_ones(tmp_path: Path) -> None:
    result = run_cli("run", "suites/examples/hello.yml", "-T", "nope=1", "--log-dir", str(tmp_path))
    assert result.returncode == 2
    assert "nope" in result.stderr


def test_fail_under_gates_exit_code(tmp_path: Path) -> None:
    result = run_cli(
        "run", "suites/examples/hello.yml", "--log-dir", str(tmp_path),
        "--fail-under", "accuracy=1.5",
    )
    assert result.returncode == 1
    assert "threshold missed" in result.stdout
    assert _only_log(tmp_path).status == "success"


def test_sample_errors_recorded_and_fail_on_error(tmp_path: Path) -> None:
    suite = _suite(tmp_path)

    def flaky(body: dict[str, Any]) -> Any:
        if "3 + 3" in str(body["messages"][-1]["content"]):
            raise ValueError("boom")  # the server answers 500 for this one
        return _answer(body)

    with start_openai_server(responder=_answer) as server:
        server.options.responder = flaky
        tolerant = run_cli(
            "run", str(suite), "--log-dir", str(tmp_path / "a"), "--fail-on-error", "0.5",
            "--max-retries", "0", env=_env(server.url),
        )
        strict = run_cli(
            "run", str(suite), "--log-dir", str(tmp_path / "b"), "--max-retries", "0",
            "--max-connections", "1", env=_env(server.url),
        )
    assert tolerant.returncode == 0, tolerant.stderr
    log = _only_log(tmp_path / "a")
    errored = [s for s in log.samples if s.error is not None]
    assert [s.id for s in errored] == [3] and log.status == "success"
    assert strict.returncode == 1
    assert _only_log(tmp_path / "b").status == "error"


def test_ctrl_c_cancels_and_keeps_finished_samples(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    with start_openai_server(responder=_answer, latency=0.4) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evalrunner", "run", str(suite), "--log-dir",
             str(tmp_path / "logs"), "--max-connections", "1",
             "--summary", str(tmp_path / "summary.md"), "--junit", str(tmp_path / "junit.xml")],
            cwd=ROOT, env={**_clean_env(), **_env(server.url)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 30
        while len([r for r in server.requests if r.status == 200]) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 1
    log = _only_log(tmp_path / "logs")
    assert log.status == "cancelled"
    assert 2 <= len(log.samples) < 10
    # The CI reports are written for a cancelled run too.
    assert "cancelled" in (tmp_path / "summary.md").read_text()
    assert "<testsuite" in (tmp_path / "junit.xml").read_text()


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("EVALRUNNER_", "OPENAI_"))}


def test_each_log_counts_only_its_own_tasks_calls(tmp_path: Path) -> None:
    # Two tasks on one model, run at once: each log's stats hold that task's calls only.
    suite = _suite(tmp_path, (
        "  - name: few\n"
        "    dataset: {path: data.jsonl}\n"
        "    plan: [generate]\n"
        "    scorer: {match: {numeric: true, location: any}}\n"
    ))
    with start_openai_server(responder=_answer) as server:
        result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"), "--max-tasks",
                         "2", "--limit", "4", "--epochs", "1", env=_env(server.url))
        assert result.returncode == 0, result.stderr
        # --limit applies to each task; one task has 4 samples, so does the other.
        assert len(server.requests) == 8
    for log in (read_eval_log(p) for p in (tmp_path / "logs").glob("*.json")):
        (stats,) = log.stats.models.values()
        assert stats.calls == 4, log.eval.task
        (usage,) = log.stats.model_usage.values()
        assert usage.input_tokens > 0
