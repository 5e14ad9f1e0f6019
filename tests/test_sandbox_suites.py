"""The capture-the-flag suite as shipped, through the CLI: its scripted player finds the flag
in each sandbox."""

from __future__ import annotations

from pathlib import Path

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import ROOT, run_cli
from tests.sandboxes import needs_bwrap, needs_docker

CTF = ROOT / "suites" / "agents" / "ctf.yml"


def run_ctf(tmp_path: Path, tag: str) -> EvalLog:
    """The suite as shipped: its own mockllm script plays the searching agent."""
    result = run_cli("run", str(CTF), "-F", tag, "--log-dir", str(tmp_path / "logs"),
                     "--display", "plain", timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    return read_eval_log(log_file)


def check_captured(log: EvalLog) -> None:
    assert log.status == "success"
    assert len(log.samples) == 3
    for sample in log.samples:
        calls = [c.function for m in sample.messages if m.role == "assistant"
                 for c in (m.tool_calls or [])]
        assert calls == ["bash", "text_editor", "submit"], calls
        found = next(m for m in sample.messages if m.role == "tool").text.strip()
        assert found == sample.target  # files, setup and a file beside the dataset were there
        score = sample.scores["flag_file"]
        assert score.value == "C", score.explanation  # read back from answer.txt inside


@needs_bwrap()
def test_ctf_under_bubblewrap(tmp_path: Path) -> None:
    check_captured(run_ctf(tmp_path, "bwrap"))


@needs_docker()
def test_ctf_in_docker(tmp_path: Path) -> None:
    check_captured(run_ctf(tmp_path, "docker"))
