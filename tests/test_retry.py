"""`evalrunner retry`: a killed or interrupted run finished without redoing finished work."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from typing import Any

from evalrunner.log import read_eval_log
from tests.arith_suite import (
    answer_wrong_on,
    asked,
    logs_in,
    make_suite,
    server_env,
    start_run,
    stop_after,
)
from tests.conftest import ROOT, run_cli
from tests.servers.openai_server import start_openai_server


def test_sigkill_mid_run_then_retry_scores_every_sample_once(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=12)
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on({5}), latency=0.25) as server:
        proc = start_run([str(suite), "--log-dir", str(logs), "--max-connections", "2"],
                         server_env(server.url))
        stop_after(proc, logs, 4, signal.SIGKILL)
        assert proc.returncode == -signal.SIGKILL
        killed = logs_in(logs)[0]
        assert killed.status == "started" and killed.results is None
        finished = {int(s.id) for s in killed.samples}
        assert 4 <= len(finished) < 12
        sent_before = len(server.requests)

        result = run_cli("retry", str(killed.location), env=server_env(server.url))
        assert result.returncode == 0, result.stderr
        resent = [asked(r.body) for r in server.requests[sent_before:] if r.status == 200]

    # The server's log proves no finished sample went to the model again, and every
    # unfinished one went exactly once.
    assert not finished & set(resent)
    assert sorted(resent) == sorted(set(range(1, 13)) - finished)
    retried = logs_in(logs)[-1]
    assert retried.status == "success"
    assert retried.eval.retry_of == [killed.location]
    assert retried.eval.run_id != killed.eval.run_id
    ids = Counter(int(s.id) for s in retried.samples)
    assert ids == Counter(range(1, 13))
    assert all(s.scores["match"].value == ("I" if s.id == 5 else "C") for s in retried.samples)
    assert retried.results is not None and retried.results.total_samples == 12
    assert retried.results.scores[0].metrics["accuracy"].value == 11 / 12
    # The old log is left as it was, for the record.
    assert read_eval_log(str(killed.location)).status == "started"


def test_sigint_cancels_then_retry_finishes_the_missing_epochs(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=4, extra="    epochs: {count: 3, reducer: mean}\n")
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.2) as server:
        proc = start_run([str(suite), "--log-dir", str(logs), "--max-connections", "2"],
                         server_env(server.url))
        stop_after(proc, logs, 3, signal.SIGINT)
        assert proc.returncode == 1
        cancelled = logs_in(logs)[0]
        assert cancelled.status == "cancelled"
        done = {(int(s.id), s.epoch) for s in cancelled.samples}
        sent_before = len(server.requests)
        result = run_cli("retry", str(logs), "--max-connections", "4", env=server_env(server.url))
        assert result.returncode == 0, result.stderr
        resent = [r for r in server.requests[sent_before:] if r.status == 200]
        # `retry FOLDER` again: the cancelled log was retried already, nothing is left.
        again = run_cli("retry", str(logs), env=server_env(server.url))
        assert again.returncode == 0 and "nothing to retry" in again.stderr
        assert len(server.requests) == sent_before + len(resent)

    assert len(resent) == 12 - len(done)
    retried = logs_in(logs)[-1]
    pairs = Counter((int(s.id), s.epoch) for s in retried.samples)
    assert pairs == Counter((i, e) for i in range(1, 5) for e in range(1, 4))
    assert retried.status == "success" and retried.eval.epochs == 3
    assert retried.results is not None
    assert [s.name for s in retried.results.scores] == ["match/mean"]
    assert retried.eval.config.get("max_connections") == 4
    # The stats cover both runs: the earlier calls plus the new ones, every sample's tokens.
    (name, calls), = retried.stats.models.items()
    assert calls.calls == cancelled.stats.models[name].calls + len(resent)
    tokens = sum(s.model_usage[name].total_tokens for s in retried.samples)
    assert retried.stats.model_usage[name].total_tokens == tokens > 0


def test_retry_of_a_folder_reruns_only_the_errored_samples_of_failed_tasks(tmp_path: Path) -> None:
    make_suite(tmp_path / "suites", n=4, name="good", task="good")
    make_suite(tmp_path / "suites", n=4, name="bad", task="bad", system="Answer, bad.")
    logs = tmp_path / "logs"

    def flaky(body: dict[str, Any]) -> str:
        if "bad" in str(body["messages"][0]["content"]) and asked(body) == 2:
            raise ValueError("down")  # the server answers 500
        return answer_wrong_on()(body)

    with start_openai_server(responder=flaky) as server:
        first = run_cli("run", str(tmp_path / "suites"), "--log-dir", str(logs),
                        "--max-retries", "0", "--max-connections", "1", env=server_env(server.url))
        assert first.returncode == 1
        assert "2 tasks: 1 success, 1 error" in first.stderr
        bad = next(log for log in logs_in(logs) if log.eval.task == "bad")
        assert bad.status == "error"
        server.options.responder = answer_wrong_on()  # the outage is over
        sent_before = len(server.requests)
        result = run_cli("retry", str(logs), env=server_env(server.url))
        assert result.returncode == 0, result.stderr
        resent = server.requests[sent_before:]
    # Only the failed task's unfinished samples (the errored one and those the failure
    # stopped) go to the model again; the good task is not touched.
    finished = {int(s.id) for s in bad.samples if s.error is None}
    assert 2 not in finished and 1 in finished
    assert sorted(asked(r.body) or 0 for r in resent) == sorted({1, 2, 3, 4} - finished)
    assert all("bad" in str(r.body["messages"][0]["content"]) for r in resent)
    newest = logs_in(logs)
    assert len(newest) == 3
    assert newest[-1].eval.task == "bad" and newest[-1].eval.retry_of == [bad.location]
    assert newest[-1].status == "success" and len(newest[-1].samples) == 4
    assert all(s.error is None for s in newest[-1].samples)


def test_retry_refuses_a_suite_that_changed(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=2)
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on()) as server:
        first = run_cli("run", str(suite), "--log-dir", str(logs), env=server_env(server.url))
        assert first.returncode == 0, first.stderr
    log = logs_in(logs)[0]
    suite.write_text(suite.read_text().replace("Answer with a number.", "Answer briefly."))
    result = run_cli("retry", str(log.location))
    assert result.returncode == 2
    assert "changed since the run" in result.stderr


def test_eval_retry_from_python_finishes_a_cut_off_log(tmp_path: Path) -> None:
    from evalrunner import eval_retry

    suite = ROOT / "suites" / "examples" / "hello.yml"
    assert run_cli("run", str(suite), "--log-dir", str(tmp_path / "done")).returncode == 0
    [full] = list((tmp_path / "done").glob("*.json"))
    cut = tmp_path / "cut" / full.name
    cut.parent.mkdir()
    cut.write_text("".join(full.read_text().splitlines(keepends=True)[:2]))  # header + 1 sample
    [log] = eval_retry([str(tmp_path / "cut")])
    assert log.status == "success" and log.eval.retry_of == [str(cut)]
    samples = read_eval_log(str(log.location)).samples
    assert sorted(str(s.id) for s in samples) == ["1", "2"]
    assert log.results is not None and log.results.total_samples == 2


def test_retry_of_a_successful_log_does_nothing(tmp_path: Path) -> None:
    assert run_cli("run", "suites/examples/hello.yml", "--log-dir", str(tmp_path)).returncode == 0
    [path] = list(tmp_path.glob("*.json"))
    result = run_cli("retry", str(path))
    assert result.returncode == 0 and "already a success" in result.stderr
    assert list(tmp_path.glob("*.json")) == [path]


def test_retry_from_another_folder_finds_the_suite_beside_the_logs(tmp_path: Path) -> None:
    project = tmp_path / "project"
    make_suite(project / "suites", n=3)
    with start_openai_server(responder=answer_wrong_on()) as server:
        first = run_cli("run", "suites/arith.yml", "--log-dir", "logs", "--max-retries", "0",
                        cwd=project, env=server_env(server.url))
        assert first.returncode == 0, first.stderr
        [full] = list((project / "logs").glob("*.json"))
        assert read_eval_log(str(full)).eval.suite_file == "suites/arith.yml"
        lines = full.read_text().splitlines(keepends=True)
        full.write_text("".join(lines[:2]))  # cut off after the first sample
        # From outside the project, the relative suite path resolves beside the logs.
        result = run_cli("retry", str(full), cwd=tmp_path, env=server_env(server.url))
    assert result.returncode == 0, result.stderr
    retried = [log for log in logs_in(project / "logs") if log.eval.retry_of]
    assert len(retried) == 1 and len(retried[0].samples) == 3


def test_retry_of_a_folder_retries_each_run_once(tmp_path: Path) -> None:
    # The same task run three times while the server was down: three unfinished logs of one
    # run. Retrying the folder finishes that run once, from one of them, not three times.
    make_suite(tmp_path / "suites", n=3, name="bad", task="bad")
    logs = tmp_path / "logs"

    def down(body: dict[str, Any]) -> str:
        raise ValueError("down")

    with start_openai_server(responder=down) as server:
        for _ in range(3):
            failed = run_cli("run", str(tmp_path / "suites"), "--log-dir", str(logs),
                             "--max-retries", "0", env=server_env(server.url))
            assert failed.returncode == 1
        earlier = logs_in(logs)
        server.options.responder = answer_wrong_on()
        sent_before = len(server.requests)
        result = run_cli("retry", str(logs), env=server_env(server.url))
        assert result.returncode == 0, result.stderr
        resent = server.requests[sent_before:]
    assert len(resent) == 3  # each sample once
    retries = [log for log in logs_in(logs) if log.eval.retry_of]
    assert len(retries) == 1 and retries[0].status == "success"
    assert retries[0].eval.retry_of[0] in {log.location for log in earlier}
