"""Approval policies: auto, reject, a Python approver, and a person at a (pseudo-)terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from evalrunner.log import read_eval_log
from tests.agent_runs import AGENTS, MODEL, events_of, run_shipped, server
from tests.conftest import ROOT, run_cli, write
from tests.servers.openai_server import ServerHandle

__all__ = ["server"]


def test_auto_reject_and_python_approvers(tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "approval.yml", tmp_path)
    auto = logs["auto"].samples[0]
    assert events_of(auto, "tool")[0].result.strip() == "42"
    assert auto.scores["match"].value == "C"
    (decision,) = events_of(auto, "approval")
    assert (decision.function, decision.approver, decision.decision) == ("python", "auto",
                                                                         "approve")
    rejected = logs["reject"].samples[0]
    tool = next(m for m in rejected.messages if m.role == "tool")
    assert tool.error == "the tool call was rejected by the approver: no code today"
    assert events_of(rejected, "approval")[0].explanation == "no code today"
    assert not [e for e in events_of(rejected, "tool") if e.error is None]
    modified = logs["python_approver"].samples[0]
    assert events_of(modified, "tool")[0].result.strip() == "84"  # the approver doubled it
    event = events_of(modified, "approval")[0]
    assert event.decision == "modify" and event.modified == {"code": "print(2 * (6 * 7))"}
    assert events_of(modified, "tool")[0].arguments == {"code": "print(2 * (6 * 7))"}


def test_unknown_approver_is_a_located_error(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: t
    dataset: {samples: [{input: hi}]}
    approval:
      bash: aproove
      python: {reject: {because: no}}
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2, result.stderr
    assert "s.yml:6:" in result.stderr and "aproove" in result.stderr
    assert "s.yml:7:" in result.stderr


def _drive(server: ServerHandle, tmp_path: Path, answers: list[tuple[str, str]]) -> str:
    """Run the human-approval suite on a pseudo-terminal, answering each prompt in turn."""
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVALRUNNER_", "OPENAI_"))}
    env.update(TEST_BASE_URL=server.url, TEST_API_KEY="test-key")
    process = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(AGENTS / "human_approval.yml"),
         "--model", MODEL, "--log-dir", str(tmp_path / "logs"), "--display", "plain"],
        stdin=child, stdout=child, stderr=child, cwd=ROOT, env=env, close_fds=True)
    os.close(child)
    seen = ""
    deadline = time.monotonic() + 60
    try:
        for prompt, answer in answers:
            while prompt not in seen:
                assert time.monotonic() < deadline, seen
                ready, _, _ = select.select([main], [], [], 1)
                if ready:
                    seen += os.read(main, 4096).decode(errors="replace")
            seen = seen[seen.index(prompt) + len(prompt):]
            os.write(main, answer.encode() + b"\n")
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    return seen


def test_human_approver_modifies_a_call_on_the_terminal(server: ServerHandle,
                                                        tmp_path: Path) -> None:
    _drive(server, tmp_path, [("the sample? ", "x"),
                              ("the sample? ", "m"),
                              ("JSON on one line: ", '{"code": "print(7 * 7)"}')])
    (log_file,) = (tmp_path / "logs").glob("*.json")
    sample = read_eval_log(log_file).samples[0]
    assert sample.output.completion.strip() == "ANSWER: 49"
    event = events_of(sample, "approval")[0]
    assert (event.approver, event.decision) == ("human", "modify")
    assert event.modified == {"code": "print(7 * 7)"}


def test_human_approver_can_terminate_the_sample(server: ServerHandle, tmp_path: Path) -> None:
    _drive(server, tmp_path, [("the sample? ", "t")])
    (log_file,) = (tmp_path / "logs").glob("*.json")
    sample = read_eval_log(log_file).samples[0]
    assert sample.limit == "operator" and sample.error is None
    assert sample.scores["match"].value == "I"  # scored all the same
    assert events_of(sample, "approval")[0].decision == "terminate"
    assert events_of(sample, "limit")[0].type == "operator"
