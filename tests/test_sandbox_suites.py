"""The agents suites end to end through the CLI: a scripted player captures the flag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import ROOT, run_cli
from tests.sandboxes import needs_bwrap, needs_docker
from tests.servers.ctf_player import ctf_reply
from tests.servers.openai_server import ServerHandle, start_openai_server

MODEL = "openai-api/test/small"
CTF = ROOT / "suites" / "agents" / "ctf.yml"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=ctf_reply) as handle:
        yield handle


def run_ctf(server: ServerHandle, tmp_path: Path, tag: str) -> EvalLog:
    result = run_cli(
        "run", str(CTF), "-F", tag, "--model", MODEL, "--log-dir", str(tmp_path / "logs"),
        "--display", "plain",
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"}, timeout=300,
    )
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
def test_ctf_under_bubblewrap(server: ServerHandle, tmp_path: Path) -> None:
    check_captured(run_ctf(server, tmp_path, "bwrap"))


@needs_docker()
def test_ctf_in_docker(server: ServerHandle, tmp_path: Path) -> None:
    check_captured(run_ctf(server, tmp_path, "docker"))
