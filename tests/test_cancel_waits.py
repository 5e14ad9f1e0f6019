"""A sample whose limit ends it while it waits is ended by its limit, never an error, and
the wait holds nothing up: here a person asked to approve a tool call on a terminal who
never answers (the connection-slot wait is in test_connection_limit.py)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from evalrunner.log import read_eval_log
from tests.agent_runs import AGENTS, MODEL, server
from tests.conftest import ROOT
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
         "--time-limit", "2"],
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
