"""MCP over SSE (the example server built on the `mcp` package) and an MCP server run
inside the sample's sandbox, bubblewrap and docker; the suites as shipped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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
def sse_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sse_server(sse_port: int, tmp_path: Path) -> None:
    """The suite starts its server with the command beside the url, and stops it."""
    pids = tmp_path / "pids"
    logs = run_shipped(AGENTS / "mcp_sse.yml", tmp_path, "-T", f"url=http://127.0.0.1:{sse_port}/sse",
                       "-T", f"python={sys.executable}", env={"MCP_PID_FILE": str(pids)})
    (sample,) = logs["sse"].samples
    assert _tool_texts(sample) == ["QUIET PLEASE"]  # the server's shout, over SSE
    assert sample.scores["includes"].value == "C"
    (pid,) = {int(line.split()[0]) for line in pids.read_text().splitlines()}
    with pytest.raises(ProcessLookupError):  # the server went with the run
        os.kill(pid, 0)


def test_sse_server_already_running(sse_port: int, tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, str(AGENTS / "mcp_server.py"), "--sse",
                                str(sse_port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", sse_port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "no server"
                time.sleep(0.1)
        suite = write(tmp_path / "s.yml", f"""
model: mockllm/model
model_args:
  outputs: [{{function: shout, arguments: {{text: hi}}}}, done]
tasks:
  - name: t
    dataset: {{samples: [{{input: shout, target: HI}}]}}
    plan:
      - use_tools: [{{mcp: {{url: "http://127.0.0.1:{sse_port}/sse", transport: sse}}}}]
      - generate
    scorer: includes
""")
        result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"))
        assert result.returncode == 0, result.stdout + result.stderr
        assert process.poll() is None  # a server the suite did not start is left running
    finally:
        process.terminate()
        process.wait(10)


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
