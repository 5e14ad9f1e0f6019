"""human_agent driven as a person would: log in through a pseudo-terminal, work, submit."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import read_eval_log
from tests.conftest import ROOT, write
from tests.sandboxes import IMAGE, needs_bwrap, needs_docker

SANDBOXES = {
    "bwrap": ("bwrap", [needs_bwrap()]),
    "docker": (f"{{type: docker, image: {IMAGE}, workdir: /root}}", [needs_docker()]),
}


class Terminal:
    """A command running in a pseudo-terminal, typed into and read like a person would."""

    def __init__(self, command: str) -> None:
        master, slave = pty.openpty()
        self.fd = master
        self.process = subprocess.Popen(["bash", "-c", command], stdin=slave, stdout=slave,
                                        stderr=slave, start_new_session=True, close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.seen}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.fd, 4096).decode(errors="replace")
                except OSError:  # the shell ended
                    break
        if text not in self.seen:
            raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.seen}")
        before, _, self.seen = self.seen.partition(text)
        return before

    def type(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        os.close(self.fd)


def login_command(run: subprocess.Popen[str]) -> str:
    """The command evalrunner tells the person to log in with (read from its output)."""
    assert run.stderr is not None
    for line in run.stderr:
        if "Log in with:" in line:
            return run.stderr.readline().strip()
    raise AssertionError(f"no login command was printed (exit {run.wait()})")


@pytest.mark.parametrize("backend", [pytest.param(k, marks=v[1]) for k, v in SANDBOXES.items()])
def test_a_person_logs_in_works_and_submits(backend: str, tmp_path: Path) -> None:
    suite = write(tmp_path / "human.yml", f"""
tasks:
  - name: by_hand
    sandbox: {SANDBOXES[backend][0]}
    dataset:
      samples:
        - input: Find the flag in this folder and submit it.
          target: FLAG{{typed-by-hand}}
          files: {{clue.txt: "FLAG{{typed-by-hand}}"}}
    plan:
      - human_agent: {{answer: "FLAG\\\\{{.*\\\\}}", intermediate_scoring: true}}
    scorer: match
""")
    run = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(suite), "--model", "mockllm/model",
         "--log-dir", str(tmp_path / "logs"), "--display", "plain"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("EVALRUNNER_")})
    terminal: Terminal | None = None
    try:
        terminal = Terminal(login_command(run))
        terminal.expect("Find the flag in this folder")
        terminal.expect("$ ")
        terminal.type("cat clue.txt; echo")
        terminal.expect("FLAG{typed-by-hand}\r\n")
        terminal.type("task score FLAG{a-guess}")
        terminal.expect("score: I")
        terminal.type("task submit not-a-flag")
        terminal.expect("does not have the expected form")
        terminal.type("task submit FLAG{typed-by-hand}")
        terminal.expect("Submitted: FLAG{typed-by-hand}")
        terminal.type("exit")
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    finally:
        if terminal is not None:
            terminal.close()
        if run.poll() is None:
            run.kill()
    (log_file,) = (tmp_path / "logs").glob("*.json")
    sample = read_eval_log(log_file).samples[0]
    assert sample.output.completion == "FLAG{typed-by-hand}"
    assert sample.scores["match"].value == "C"
    record: dict[str, Any] = sample.store["human_agent"]
    assert record["answer"] == "FLAG{typed-by-hand}"
    assert [s["answer"] for s in record["intermediate_scores"]] == ["FLAG{a-guess}"]
    assert record["working_time"] >= 0
    session = record["session"]  # what the person typed and saw, in order
    assert session.index("cat clue.txt") < session.index("task score FLAG{a-guess}") < \
        session.index("task submit FLAG{typed-by-hand}")
    assert "FLAG{typed-by-hand}\n" in session
