"""Running suites/agents/ through the CLI: as shipped (on the mockllm script each declares),
or, for suites a test writes, against the scripted OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import ROOT, run_cli
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

MODEL = "openai-api/test/small"
AGENTS = ROOT / "suites" / "agents"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def run_logs(server: ServerHandle, suite: Path | str, tmp_path: Path, *extra: str,
             expect: int = 0) -> dict[str, EvalLog]:
    """Run a suite; its logs by task name."""
    logs = tmp_path / "logs"
    result = run_cli(
        "run", str(suite), "--model", MODEL, "--log-dir", str(logs), "--display", "plain",
        *extra, env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"},
    )
    assert result.returncode == expect, result.stdout + result.stderr
    assert not server.rejected, server.rejected[0].error
    found = [read_eval_log(f) for f in sorted(logs.glob("*.json"))]
    return {log.eval.task: log for log in found}


SHIPPED_TIMEOUT = 180  # every shipped example finishes offline within 3 minutes


def run_shipped(suite: Path | str, tmp_path: Path, *extra: str, expect: int = 0,
                timeout: float = SHIPPED_TIMEOUT,
                env: dict[str, str] | None = None) -> dict[str, EvalLog]:
    """Run a shipped suite exactly as a user would: its own model, no server; logs by task."""
    logs = tmp_path / "logs"
    result = run_cli("run", str(suite), "--log-dir", str(logs), "--display", "plain", *extra,
                     timeout=timeout, env=env)
    assert result.returncode == expect, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    found = [read_eval_log(f) for f in sorted(logs.glob("*.json"))]
    return {log.eval.task: log for log in found}


def events_of(sample: Any, kind: str) -> list[Any]:
    return [e for e in sample.events if e.event == kind]
