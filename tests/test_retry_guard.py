"""What `retry` refuses and what it finds: a lock against two retries of one log, a refusal
when the inputs changed (unless --force), and a chain of broken retries followed back."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.arith_suite import (
    answer_wrong_on,
    asked,
    clean_env,
    logs_in,
    make_suite,
    server_env,
    start_run,
    stop_after,
)
from tests.conftest import ROOT, run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server


def killed_run(suite: Path, logs: Path, server: ServerHandle, after: int) -> Path:
    """A run of `suite` killed (SIGKILL) once `after` samples are in its log."""
    proc = start_run([str(suite), "--log-dir", str(logs), "--max-connections", "2"],
                     server_env(server.url))
    stop_after(proc, logs, after, signal.SIGKILL)
    (log,) = logs.glob("*.json")
    return log


def start_retry(*args: str, server: ServerHandle) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "retry", *args, "--display", "plain"],
        cwd=ROOT, env={**clean_env(), **server_env(server.url)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_two_retries_at_once_send_each_missing_sample_once(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=16)
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.2) as server:
        killed_run(suite, logs, server, after=4)
        sent_before = len(server.requests)
        first = start_retry(str(logs), server=server)
        second = start_retry(str(logs), server=server)
        outputs = [p.communicate(timeout=120) for p in (first, second)]
        codes = sorted(p.returncode for p in (first, second))
        resent = Counter(asked(r.body) for r in server.requests[sent_before:])
    assert codes == [0, 2], outputs
    refused = next(err for (_, err), p in zip(outputs, (first, second), strict=True)
                   if p.returncode == 2)
    assert "in use by process" in refused or "already retried" in refused
    assert resent and max(resent.values()) == 1, resent  # no sample went twice
    final = logs_in(logs)[-1]
    assert final.status == "success" and len(final.samples) == 16
    assert not list(logs.glob(".*.lock"))  # the lock went with the retry


def test_retry_refuses_a_changed_dataset_or_template_unless_forced(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=12, system="system.txt")
    write(tmp_path / "system.txt", "Answer with a number.\n")
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.2) as server:
        log = killed_run(suite, logs, server, after=3)
        data = tmp_path / "arith.jsonl"
        data.write_text(data.read_text().replace('"target": "2"', '"target": "3"'))
        (tmp_path / "system.txt").write_text("Answer with a word.\n")
        sent_before = len(server.requests)

        refused = run_cli("retry", str(log), env=server_env(server.url))
        assert refused.returncode == 2
        message = refused.stderr
        assert f"{log}: changed since the run: " in message
        assert "dataset" in message and "arith.jsonl" in message
        assert f"template {tmp_path / 'system.txt'}" in message
        assert "--force" in message
        assert len(server.requests) == sent_before  # nothing was sent

        forced = run_cli("retry", str(log), "--force", env=server_env(server.url))
        assert forced.returncode in (0, 1), forced.stderr
        assert "retried although changed" in forced.stderr
        assert len(server.requests) > sent_before


def test_retry_refuses_a_changed_task(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=12)
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.2) as server:
        log = killed_run(suite, logs, server, after=3)
        suite.write_text(suite.read_text().replace("numeric: true", "numeric: false"))
        refused = run_cli("retry", str(log), env=server_env(server.url))
    assert refused.returncode == 2
    assert "changed since the run: task 'sums'" in refused.stderr


def test_a_chain_of_broken_retries_resends_nothing_finished(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=30)
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.1) as server:
        first = killed_run(suite, logs, server, after=20)
        finished = {int(s.id) for s in logs_in(logs)[0].samples}

        # A retry that dies while copying the finished samples into its new log (here the
        # disk fills up; a kill at that moment leaves the same log behind).
        header_and_a_few = first.read_text().splitlines()[0].__len__() + 2500
        broken = subprocess.run(
            [sys.executable, "-m", "evalrunner", "retry", str(first), "--display", "plain"],
            cwd=ROOT, env={**clean_env(), **server_env(server.url),
                           "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True, text=True, timeout=120,
            preexec_fn=lambda: resource.setrlimit(
                resource.RLIMIT_FSIZE, (header_and_a_few, header_and_a_few)),
        )
        assert broken.returncode == 1, broken.stderr
        partial = logs_in(logs)[-1]
        assert partial.eval.retry_of == [str(first)]
        assert 0 < len(partial.samples) < len(finished)
        sent_before = len(server.requests)

        result = run_cli("retry", str(logs), env=server_env(server.url))
        assert result.returncode == 0, result.stderr
        resent = [asked(r.body) for r in server.requests[sent_before:]]
    assert sorted(resent) == sorted(set(range(1, 31)) - finished)  # none finished before
    final = logs_in(logs)[-1]
    assert final.status == "success"
    assert Counter(int(s.id) for s in final.samples) == Counter(range(1, 31))
    assert final.eval.retry_of == [str(partial.location), str(first)]
    again = run_cli("retry", str(logs), env=server_env(server.url))
    assert "nothing to retry" in again.stderr
