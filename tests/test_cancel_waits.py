"""A sample whose limit ends it while it waits is ended by its limit, never an error, and
the wait holds nothing up: a person asked to approve a tool call on a terminal who never
answers, a person who never logs in to a human_agent sample, a sandbox still being set up
when the run is interrupted (the connection-slot wait is in test_connection_limit.py)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from evalrunner.log import read_eval_log
from tests.agent_runs import AGENTS, MODEL, server
from tests.conftest import ROOT, run_cli, write
from tests.sandboxes import needs_bwrap
from tests.servers.openai_server import ServerHandle

__all__ = ["server"]


def test_a_sample_out_of_time_while_a_person_is_asked_ends_as_its_limit_and_the_run_exits(
    server: ServerHandle, tmp_path: Path,
) -> None:
    main, child = pty.openpty()  # a terminal that stays open and never answers
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVALRUNNER_", "OPENAI_"))}
    env.update(TEST_BASE_URL=server.url, TEST_API_KEY="test-key")
    process = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(AGENTS / "human_approval.yml"),
         "--model", MODEL, "--log-dir", str(tmp_path / "logs"), "--display", "plain",
         "--time-limit", "5"],  # time for a busy machine (parallel tests) to ask first
        stdin=child, stdout=child, stderr=child, cwd=ROOT, env=env, close_fds=True)
    os.close(child)
    seen = ""
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(main, 4096).decode(errors="replace")
                except OSError:  # the run closed the terminal: it is ending
                    break
        # It used to hang here: the thread reading the terminal held the exit.
        assert process.wait(60) == 0, seen
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    assert "Approval needed for a tool call" in seen
    assert "(withdrawn: the sample ended" in seen
    (log_file,) = (tmp_path / "logs").glob("*.json")
    sample = read_eval_log(log_file).samples[0]
    assert sample.limit == "time" and sample.error is None


@needs_bwrap()
def test_a_sample_out_of_time_while_it_waits_for_a_person_ends_as_its_limit(
    tmp_path: Path,
) -> None:
    """human_agent waits for a person who never logs in: the time limit ends the wait."""
    suite = write(tmp_path / "human.yml", """
tasks:
  - name: by_hand
    sandbox: bwrap
    limits: {seconds: 2}
    dataset:
      samples: [{input: Submit the flag., target: "FLAG{x}"}]
    plan: [human_agent]
    scorer: match
""")
    result = run_cli("run", str(suite), "--model", "mockllm/model", "--log-dir",
                     str(tmp_path / "logs"), "--display", "plain", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    log = read_eval_log(log_file)
    assert log.status == "success"
    (sample,) = log.samples
    assert sample.limit == "time" and sample.error is None


def test_ctrl_c_while_samples_wait_for_their_sandbox_cancels_them_cleanly(
    tmp_path: Path,
) -> None:
    """Samples whose sandbox is still being set up (a slow setup script) when the run is
    interrupted: the task is `cancelled`, no sample is an error, nothing is left running."""
    marker = tmp_path / "setting-up"
    suite = write(tmp_path / "boxed.yml", f"""
tasks:
  - name: boxed
    sandbox: local
    dataset:
      samples:
        - {{id: 1, input: hi, target: hi, setup: "touch {marker}; sleep 61.25"}}
        - {{id: 2, input: hi, target: hi, setup: "touch {marker}; sleep 61.25"}}
    plan: [generate]
    scorer: match
""")
    logs = tmp_path / "logs"
    process = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(suite), "--model", "mockllm/model",
         "--log-dir", str(logs), "--display", "plain"],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if not k.startswith("EVALRUNNER_")},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sandbox setup never started"
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "Traceback" not in err and "Error" not in err
    (log_file,) = logs.glob("*.json")
    log = read_eval_log(log_file)
    assert log.status == "cancelled" and log.error is None
    assert all(s.error is None for s in log.samples)
    assert f"to finish: evalrunner retry {logs}" in err
    assert not _running("61.25")  # the setup script went with its sample


def _running(argument: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if argument.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
