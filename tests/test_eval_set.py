"""Eval sets: `run --retry-attempts` finishes every task x model, skips and resumes."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

from tests.arith_suite import asked, logs_in, make_suite, server_env, start_run, stop_after
from tests.conftest import run_cli
from tests.servers.openai_server import start_openai_server

GOOD, BAD = "openai-api/test/good", "openai-api/test/bad"


class FailFirst:
    """Answers right, but the first `n` requests for `model` fail with a server error."""

    def __init__(self, model: str, n: int) -> None:
        self.model, self.left = model, n

    def __call__(self, body: dict[str, Any]) -> str:
        if body["model"] == self.model and self.left > 0:
            self.left -= 1
            raise RuntimeError("scripted outage")
        return f"The answer is {2 * (asked(body) or 0)}."


def test_eval_set_retries_the_failed_model_then_a_rerun_makes_no_request(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=4)
    logs = tmp_path / "logs"
    args = ["run", str(suite), "--model", f"{GOOD},{BAD}", "--log-dir", str(logs),
            "--retry-attempts", "2", "--retry-wait", "0", "--max-retries", "0",
            "--max-connections", "4", "--retry-connections", "0.5", "--display", "plain"]
    with start_openai_server(responder=FailFirst("bad", 1)) as server:
        first = run_cli(*args, env=server_env(server.url))
        assert first.returncode == 0, first.stderr
        assert "attempt 2 of 3: 1 task runs unfinished" in first.stderr
        sent = len(server.requests)
        runs = logs_in(logs)
        # good succeeded at once; bad failed, then its retry holds every sample.
        assert [(r.eval.model, r.status) for r in runs if r.eval.model == GOOD] == [
            (GOOD, "success")]
        bad = [r for r in runs if r.eval.model == BAD]
        assert [r.status for r in bad] == ["error", "success"]
        assert bad[1].eval.retry_of == [bad[0].location]
        assert bad[1].eval.config["max_connections"] == 2  # halved for the retry
        assert sorted(int(s.id) for s in bad[1].samples) == [1, 2, 3, 4]

        again = run_cli(*args, env=server_env(server.url))
        assert again.returncode == 0, again.stderr
        assert "2 of 2 task runs already have a successful log: skipped" in again.stderr
        assert len(server.requests) == sent  # nothing went to the model
        assert len(logs_in(logs)) == 3


def test_eval_set_that_runs_out_of_attempts_fails(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=2)
    with start_openai_server(responder=FailFirst("good", 100)) as server:
        result = run_cli("run", str(suite), "--model", GOOD, "--log-dir", str(tmp_path / "l"),
                         "--retry-attempts", "1", "--retry-wait", "0", "--max-retries", "0",
                         env=server_env(server.url))
    assert result.returncode == 1
    assert [r.status for r in logs_in(tmp_path / "l")] == ["error", "error"]


def test_a_killed_eval_set_resumes_reusing_finished_samples(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=12)
    logs = tmp_path / "logs"
    args = [str(suite), "--model", GOOD, "--log-dir", str(logs), "--retry-attempts", "1",
            "--max-connections", "2"]
    with start_openai_server(responder=FailFirst("good", 0), latency=0.2) as server:
        proc = start_run(args, server_env(server.url))
        stop_after(proc, logs, 4, signal.SIGKILL)
        killed = logs_in(logs)[0]
        assert killed.status == "started"
        finished = {int(s.id) for s in killed.samples}
        before = len(server.requests)
        result = run_cli("run", *args, env=server_env(server.url))
        assert result.returncode == 0, result.stderr
        resent = [asked(r.body) for r in server.requests[before:]]
    assert sorted(resent) == sorted(set(range(1, 13)) - finished)
    done = logs_in(logs)[-1]
    assert done.status == "success" and done.eval.retry_of == [killed.location]
    assert sorted(int(s.id) for s in done.samples) == list(range(1, 13))


def test_retry_on_error_reruns_a_failed_sample(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=3)
    with start_openai_server(responder=FailFirst("good", 1)) as server:
        result = run_cli("run", str(suite), "--model", GOOD, "--log-dir", str(tmp_path / "l"),
                         "--retry-on-error", "1", "--max-retries", "0", "--max-connections", "1",
                         env=server_env(server.url))
        assert len(server.requests) == 4
    assert result.returncode == 0, result.stderr
    (log,) = logs_in(tmp_path / "l")
    assert log.status == "success"
    retried = [s for s in log.samples if s.error_retries]
    assert len(retried) == 1 and "500" in retried[0].error_retries[0].message
    assert all(s.error is None for s in log.samples)
