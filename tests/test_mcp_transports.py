"""MCP over SSE (the example server built on the `mcp` package) and an MCP server run
inside the sample's sandbox, bubblewrap and docker; the suites as shipped."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent_runs import AGENTS, run_shipped
from tests.conftest import run_cli, write
from tests.extras import needs_extra
from tests.sandboxes import needs_bwrap, needs_docker

pytestmark = needs_extra("mcp", "mcp")


def _tool_texts(sample: object) -> list[str]:
    return [m.text for m in sample.messages if m.role == "tool"]  # type: ignore[attr-defined]


@pytest.fixture
def sse_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, str(AGENTS / "mcp_server.py"), "--sse",
                                str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "no MCP server"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/sse"
    process.terminate()
    process.wait(10)


def test_sse_server(sse_url: str, tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "mcp_sse.yml", tmp_path, "-T", f"url={sse_url}")
    (sample,) = logs["sse"].samples
    assert _tool_texts(sample) == ["QUIET PLEASE"]  # the server's shout, over SSE
    assert sample.scores["includes"].value == "C"


@pytest.mark.parametrize("backend", [pytest.param("bwrap", marks=needs_bwrap()),
                                     pytest.param("docker", marks=needs_docker())])
def test_server_in_the_sandbox(backend: str, tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "mcp_sandbox.yml", tmp_path, "-F", backend)
    (sample,) = logs[f"mcp_{backend}"].samples
    # note.txt is only in the sample's sandbox: a server on this machine could not read it
    # (its folder would be the suite's, which has none)
    assert not (AGENTS / "note.txt").exists()
    assert _tool_texts(sample) == ["The code word is heron."]
    assert sample.scores["includes"].value == "C"


def test_bad_transport_and_sandbox_are_located_errors(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: t
    dataset: {samples: [{input: hi, target: hi}]}
    plan: [{use_tools: [{mcp: {url: "http://127.0.0.1:9/sse", transport: pigeon}}]}]
    scorer: includes
  - name: u
    dataset: {samples: [{input: hi, target: hi}]}
    plan: [{use_tools: [{mcp: {url: "http://127.0.0.1:9/mcp", sandbox: true}}]}]
    scorer: includes
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "s.yml:5:" in result.stderr and "unknown mcp transport 'pigeon'" in result.stderr
    assert "s.yml:9:" in result.stderr and "give command, not url" in result.stderr
