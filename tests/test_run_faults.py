"""Faults during a run, for real: a log that cannot grow (a file size limit stands in for a
full disk), Ctrl-C while tasks run, and what the terminal says afterwards."""

from __future__ import annotations

import contextlib
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from tests.arith_suite import (
    answer_wrong_on,
    clean_env,
    logs_in,
    make_suite,
    server_env,
    start_run,
)
from tests.conftest import ROOT, run_cli
from tests.servers.openai_server import start_openai_server

FULL_AT = 24_000  # bytes a file may reach: room for the header and a few samples


def run_on_full_disk(
    *args: str, env: dict[str, str], full_at: int = FULL_AT
) -> subprocess.CompletedProcess[str]:
    def limit_file_size() -> None:
        # Python ignores SIGXFSZ: a write past the limit fails (EFBIG) as on a full disk.
        resource.setrlimit(resource.RLIMIT_FSIZE, (full_at, full_at))

    return subprocess.run(
        [sys.executable, "-m", "evalrunner", *args], cwd=ROOT,
        env={**clean_env(), "PYTHONDONTWRITEBYTECODE": "1", **env},
        capture_output=True, text=True, timeout=120, preexec_fn=limit_file_size,
    )


def test_a_log_that_cannot_be_written_stops_the_run_and_retry_fails_cleanly(
    tmp_path: Path,
) -> None:
    suite = make_suite(tmp_path, n=200)
    logs, junit, summary = tmp_path / "logs", tmp_path / "junit.xml", tmp_path / "summary.md"
    with start_openai_server(responder=answer_wrong_on(), latency=0.02) as server:
        result = run_on_full_disk(
            "run", str(suite), "--log-dir", str(logs), "--max-connections", "4",
            "--display", "plain", "--junit", str(junit), "--summary", str(summary),
            env=server_env(server.url),
        )
        calls = len(server.requests)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "cannot write the log" in result.stdout + result.stderr
        (log_file,) = logs.glob("*.json")
        kept = read_eval_log(log_file)  # what reached the disk stays readable
        assert kept.status == "started" and len(kept.samples) > 0
        # Promptly: the run stopped near the samples the log could hold, not after 200 calls.
        assert calls < len(kept.samples) + 20, (calls, len(kept.samples))
        assert "<testsuites" in junit.read_text() and "error" in summary.read_text()

        # Retrying into a disk too full for the finished samples fails while copying them,
        # before any model call (it used to hang, deaf to Ctrl-C).
        retried = run_on_full_disk("retry", str(log_file), "--display", "plain",
                                   env=server_env(server.url), full_at=FULL_AT // 2)
        assert retried.returncode == 1, retried.stdout + retried.stderr
        assert "Traceback" not in retried.stderr
        assert "cannot write the log" in retried.stdout + retried.stderr
        assert len(server.requests) == calls  # nothing was sent to the model


def test_ctrl_c_reports_finished_tasks_partial_totals_logs_and_the_retry_command(
    tmp_path: Path,
) -> None:
    make_suite(tmp_path / "suites", n=2, name="quick", task="quick")
    make_suite(tmp_path / "suites", n=200, name="slow", task="slow")
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.1) as server:
        proc = start_run([str(tmp_path / "suites" / "quick.yml"),
                          str(tmp_path / "suites" / "slow.yml"), "--log-dir", str(logs),
                          "--max-connections", "2", "--display", "plain"],
                         server_env(server.url))
        out, err = _interrupt(proc, logs, 2 + 6)
    assert proc.returncode == 1, err
    by_task = {log.eval.task: log for log in logs_in(logs)}
    slow = by_task["slow"]
    assert by_task["quick"].status == "success" and slow.status == "cancelled"
    assert slow.results is not None and slow.results.total_samples == 200  # not done/done
    done = slow.results.completed_samples
    assert 0 < done < 200
    text = out + err
    assert "quick (openai-api/test/small): success, 2 samples" in text  # finished results
    assert "slow (openai-api/test/small): cancelled, 200 samples" in text
    assert "accuracy=1.000" in text
    assert str(by_task["quick"].location) in text and str(slow.location) in text
    assert f"to finish: evalrunner retry {logs}" in err
    assert "Traceback" not in err


def _interrupt(proc: subprocess.Popen[str], logs: Path, samples: int) -> tuple[str, str]:
    """SIGINT once the logs of a folder hold `samples` finished samples; the output."""
    deadline = time.monotonic() + 60
    while _lines(logs) < samples:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run did not write samples in time"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=60)


def _lines(logs: Path) -> int:
    total = 0
    for file in logs.glob("*.json"):
        lines = file.read_text(encoding="utf-8").splitlines()[1:]
        total += sum(1 for line in lines if line.strip() and not line.startswith("],"))
    return total


@pytest.mark.parametrize("extra", [
    [],  # several tasks
    ["--model", "openai-api/test/small,openai-api/test/big"],  # several models
    ["--retry-attempts", "1", "--retry-wait", "0"],  # an eval set
])
def test_ctrl_c_in_the_first_of_several_task_runs_reports_it_everywhere(
    tmp_path: Path, extra: list[str]
) -> None:
    make_suite(tmp_path / "suites", n=200, name="first", task="first")
    make_suite(tmp_path / "suites", n=200, name="second", task="second")
    logs, junit, summary = tmp_path / "logs", tmp_path / "junit.xml", tmp_path / "summary.md"
    with start_openai_server(responder=answer_wrong_on(), latency=0.1) as server:
        proc = start_run([str(tmp_path / "suites" / "first.yml"),
                          str(tmp_path / "suites" / "second.yml"), "--log-dir", str(logs),
                          "--max-connections", "2", "--display", "plain", "--junit",
                          str(junit), "--summary", str(summary), *extra],
                         server_env(server.url))
        out, err = _interrupt(proc, logs, 6)
    assert proc.returncode == 1, err
    (log,) = logs_in(logs)  # one task run started: it is closed as cancelled
    assert log.eval.task == "first" and log.status == "cancelled"
    runs = 4 if "--model" in extra else 2
    text = out + err
    assert "first (openai-api/test/small): cancelled, 200 samples" in text
    assert f"{runs - 1} of {runs} task runs did not start" in err
    assert f"to finish: evalrunner retry {logs}" in err
    assert "| `first` | openai-api/test/small | ⚠️ cancelled |" in summary.read_text()
    assert 'failures="1"' in junit.read_text() and 'value="cancelled"' in junit.read_text()
    assert "Traceback" not in err
    if "--model" in extra:
        return
    # `retry FOLDER` finishes the cancelled run and runs the one that never started.
    with start_openai_server(responder=answer_wrong_on()) as server:
        retried = run_cli("retry", str(logs), env=server_env(server.url))
    assert retried.returncode == 0, retried.stderr
    done = {log.eval.task for log in logs_in(logs) if log.status == "success"}
    assert done == {"first", "second"}


@contextlib.contextmanager
def small_file_system(folder: Path, size: str = "64k") -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder`: a disk that fills up for real."""
    folder.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                   check=True, capture_output=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_in_the_first_task_is_each_tasks_error_and_leaves_no_empty_log(
    tmp_path: Path,
) -> None:
    make_suite(tmp_path / "suites", n=100, name="first", task="first")
    make_suite(tmp_path / "suites", n=100, name="second", task="second")
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.md"
    with small_file_system(tmp_path / "logs") as logs, \
            start_openai_server(responder=answer_wrong_on(), latency=0.01) as server:
        result = subprocess.run(
            [sys.executable, "-m", "evalrunner", "run", str(tmp_path / "suites" / "first.yml"),
             str(tmp_path / "suites" / "second.yml"), "--log-dir", str(logs),
             "--max-connections", "4", "--display", "plain", "--junit", str(junit),
             "--summary", str(summary)],
            cwd=ROOT, env={**clean_env(), **server_env(server.url)}, capture_output=True,
            text=True, timeout=300,
        )
        sizes = {f.name: f.stat().st_size for f in logs.glob("*.json")}
        # With room made, `retry FOLDER` finishes the first task and runs the second, which
        # never started (the run's plan, kept beside the logs, names it).
        subprocess.run(["mount", "-o", "remount,size=8m", str(logs)], check=True)
        retried = run_cli("retry", str(logs), env=server_env(server.url))
        finished = {log.eval.task: log.status for log in logs_in(logs)
                    if log.status == "success"}
    assert retried.returncode == 0, retried.stderr
    assert "second (openai-api/test/small): never started" in retried.stderr
    assert finished == {"first": "success", "second": "success"}
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.count("No space left on device") == 2, result.stdout
    # The first task's log filled up mid-run: that task's error, as the second's.
    assert "first (openai-api/test/small): error" in result.stdout
    assert "second (openai-api/test/small): error" in result.stdout
    (first,) = sizes  # the second task's log was never made: no 0-byte file
    assert "_first_" in first and sizes[first] > 0
    text = summary.read_text()
    assert "| `first` | openai-api/test/small | ❌ error |" in text
    assert "| `second` | openai-api/test/small | ❌ error |" in text
    assert 'errors="2"' in junit.read_text() or junit.read_text().count("<error") == 2
