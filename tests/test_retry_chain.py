"""One owner per chain of logs: two retries (or two copies of an eval set) started half a
second apart on a killed run never send a sample twice, and no log holds one (id, epoch)
twice. `bench/retry_race.py` loops the same trial many times."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from evalrunner.log import read_eval_log
from tests.arith_suite import asked, clean_env, logs_in, make_suite, server_env
from tests.conftest import ROOT
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.test_retry_guard import killed_run

N = 1000


def start(command: str, *args: str, server: ServerHandle) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "evalrunner", command, *args, "--display", "none"],
        cwd=ROOT, env={**clean_env(), **server_env(server.url)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def race(first: list[str], second: list[str], server: ServerHandle) -> list[tuple[int, str]]:
    """Start two commands 0.5 s apart; their exit codes and stderr."""
    a = start(*first, server=server)
    time.sleep(0.5)
    b = start(*second, server=server)
    errors = [p.communicate(timeout=300)[1] for p in (a, b)]
    return [(p.returncode, err) for p, err in zip((a, b), errors, strict=True)]


def ordered(code_a: int, err_a: str, code_b: int, err_b: str) -> str:
    """One of two racing commands succeeded and the other was refused: the refusal."""
    assert sorted((code_a, code_b)) == [0, 2], (err_a, err_b)
    return err_b if code_b == 2 else err_a


def assert_each_sample_once(logs: Path, sent: list[int | None]) -> None:
    resent = Counter(sent)
    assert resent and max(resent.values()) == 1, resent.most_common(3)  # none went twice
    for log in logs_in(logs):
        keys = Counter((str(s.id), s.epoch) for s in log.samples)
        assert not keys or max(keys.values()) == 1, (log.location, keys.most_common(3))
    final = logs_in(logs)[-1]
    assert final.status == "success", [(str(g.location), g.status) for g in logs_in(logs)]
    assert final.results is not None and final.results.total_samples == N
    assert len({(str(s.id), s.epoch) for s in final.samples}) == N == len(final.samples)


def test_two_retries_half_a_second_apart_send_each_missing_sample_once(
    tmp_path: Path,
) -> None:
    for trial in range(2):
        suite = make_suite(tmp_path / str(trial), n=N)
        logs = tmp_path / str(trial) / "logs"
        with start_openai_server(latency=0.05, record=True) as server:
            killed_run(suite, logs, server, after=100)
            before = len(server.requests)
            args = ["retry", str(logs), "--max-connections", "20"]
            (code_a, err_a), (code_b, err_b) = race(args, args, server)
            sent = [asked(r.body) for r in server.requests[before:]]
        # One finishes the log; the other is refused while the first holds the chain,
        # naming its process (on a busy machine the second to start may get there first).
        refused = ordered(code_a, err_a, code_b, err_b)
        assert "in use by process" in refused and "Traceback" not in refused
        assert_each_sample_once(logs, sent)
        assert not list(logs.glob(".*.lock"))  # every lock went with its holder


def test_two_copies_of_an_eval_set_never_resume_one_log_twice(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=N)
    logs = tmp_path / "logs"
    with start_openai_server(latency=0.05) as server:
        killed_run(suite, logs, server, after=100)
        before = len(server.requests)
        args = ["run", str(suite), "--log-dir", str(logs), "--retry-attempts", "1",
                "--retry-wait", "0", "--max-connections", "20"]
        (code_a, err_a), (code_b, err_b) = race(args, args, server)
        sent = [asked(r.body) for r in server.requests[before:]]
    refused = ordered(code_a, err_a, code_b, err_b)
    assert "another eval set uses this log folder" in refused and "in use by process" in refused
    assert "Traceback" not in refused
    assert_each_sample_once(logs, sent)


def test_a_retry_never_resumes_a_log_still_being_written(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=300)
    logs = tmp_path / "logs"
    with start_openai_server(latency=0.2) as server:  # a minute: longer than a busy start
        run = start("run", str(suite), "--log-dir", str(logs), "--max-connections", "1",
                    server=server)
        deadline = time.monotonic() + 60
        while not list(logs.glob("*.json")):
            assert time.monotonic() < deadline and run.poll() is None
            time.sleep(0.05)
        (log,) = logs.glob("*.json")
        retry = start("retry", str(log), server=server)
        _, err = retry.communicate(timeout=120)
        run.communicate(timeout=120)
    assert retry.returncode == 2, err
    assert f"{log}: in use by process {run.pid} (writing)" in err
    assert run.returncode == 0
    assert read_eval_log(log).status == "success"
