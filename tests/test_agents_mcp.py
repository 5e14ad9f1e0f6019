"""MCP tools from the example server, over stdio and streamable HTTP, per task or per sample."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.agent_runs import AGENTS, events_of, run_logs, run_shipped, server
from tests.conftest import write
from tests.extras import needs_extra
from tests.servers.openai_server import ServerHandle

pytestmark = needs_extra("mcp", "mcp")

__all__ = ["server"]
SERVER = AGENTS / "mcp_server.py"


def _results(sample: object) -> list[str]:
    return [m.text for m in sample.messages if m.role == "tool"]  # type: ignore[attr-defined]


def test_stdio_server_shared_by_the_task(tmp_path: Path) -> None:
    log = run_shipped(AGENTS / "mcp.yml", tmp_path, "-T", f"python={sys.executable}",
                      "--max-samples", "1")["stdio"]
    by_id = {s.id: s for s in log.samples}
    assert _results(by_id["one"]) == ["5", "2"]
    assert _results(by_id["two"]) == ["8", "4"]  # the same server process answered both
    assert [e.function for e in events_of(by_id["one"], "tool")] == ["add", "calls"]
    assert set(events_of(by_id["one"], "model")[0].tools) == {"add", "calls"}  # filtered
    assert by_id["one"].scores["includes"].value == "C"


def test_mcp_tool_schemas_reach_the_model(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", (AGENTS / "mcp.yml").read_text().replace(
        "mcp_server.py", str(SERVER)).replace("Add 2 and 3 with the add tool.",
                                              'CALL add {\\"a\\": 2, \\"b\\": 3}'))
    log = run_logs(server, suite, tmp_path, "-T", f"python={sys.executable}")["stdio"]
    by_id = {s.id: s for s in log.samples}
    request = next(r.body for r in server.requests if r.body and "CALL add" in str(r.body))
    assert {t["function"]["name"] for t in request["tools"]} == {"add", "calls"}  # filtered
    add = next(t for t in request["tools"] if t["function"]["name"] == "add")
    assert add["function"]["parameters"]["required"] == ["a", "b"]
    assert [e.function for e in events_of(by_id["one"], "tool")] == ["add"]
    assert by_id["one"].scores["includes"].value == "C"


def _stopped(pids: Path) -> list[int]:
    """The processes named in `pids`, checked to have exited."""
    found = [int(line) for line in pids.read_text().split()]
    for pid in found:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    return found


def test_stdio_server_per_sample_and_tool_errors(server: ServerHandle, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    suite = write(tmp_path / "s.yml", f"""
tasks:
  - name: per_sample
    dataset:
      samples:
        - {{id: one, input: "CALL calls {{}}\\nCALL fail {{}}"}}
        - {{id: two, input: "CALL calls {{}}"}}
    plan:
      - use_tools:
          - mcp: {{command: ["{sys.executable}", "{SERVER}"], lifetime: sample, prefix: srv,
                  env: {{MCP_PID_FILE: "{pids}"}}}}
      - generate
""")
    write(tmp_path / "s.yml", suite.read_text().replace("CALL calls", "CALL srv_calls")
          .replace("CALL fail", "CALL srv_fail"))
    log = run_logs(server, suite, tmp_path, "--max-samples", "1")["per_sample"]
    by_id = {s.id: s for s in log.samples}
    assert _results(by_id["two"]) == ["1"]  # a fresh server for each sample
    failed = [m for m in by_id["one"].messages if m.role == "tool"][1]
    assert failed.function == "srv_fail" and "always fails" in (failed.error or "")
    assert len(set(_stopped(pids))) == 2  # one server per sample, each stopped


def test_a_task_server_starts_once_and_stops_with_the_task(server: ServerHandle,
                                                          tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    suite = write(tmp_path / "s.yml", f"""
tasks:
  - name: per_task
    dataset: {{samples: [{{input: "CALL add {{\\"a\\": 1, \\"b\\": 1}}"}},
                         {{input: "CALL add {{\\"a\\": 2, \\"b\\": 2}}"}}]}}
    plan:
      - use_tools: [{{mcp: {{command: ["{sys.executable}", "{SERVER}"],
                            env: {{MCP_PID_FILE: "{pids}"}}}}}}]
      - generate
""")
    log = run_logs(server, suite, tmp_path)["per_task"]
    assert sorted(_results(s)[0] for s in log.samples) == ["2", "4"]
    assert len(_stopped(pids)) == 1


@pytest.fixture
def http_server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, str(SERVER), "--http", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "no MCP server"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp"
    process.terminate()
    process.wait(10)


def test_streamable_http_server(server: ServerHandle, http_server: str, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", f"""
tasks:
  - name: http
    dataset: {{samples: [{{input: "CALL shout {{\\"text\\": \\"hi\\"}}", target: HI}}]}}
    plan:
      - use_tools: [{{mcp: {{url: "{http_server}", tools: "sh*"}}}}]
      - generate
    scorer: includes
""")
    sample = run_logs(server, suite, tmp_path)["http"].samples[0]
    assert _results(sample) == ["HI"]
    request = next(r.body for r in server.requests if r.body and "CALL shout" in str(r.body))
    assert [t["function"]["name"] for t in request["tools"]] == ["shout"]


THINKER = '''
from mcp.server.mcpserver import MCPServer
server = MCPServer("thinker")

@server.tool()
def think(thought: str) -> str:
    """Not the built-in think."""
    return "the server's think"

server.run()
'''


def test_an_mcp_tool_cannot_take_a_built_in_tools_name(server: ServerHandle,
                                                        tmp_path: Path) -> None:
    write(tmp_path / "thinker.py", THINKER)
    suite = write(tmp_path / "s.yml", f"""
tasks:
  - name: clash
    dataset: {{samples: [{{input: "CALL think {{\\"thought\\": \\"x\\"}}"}}]}}
    approval: {{think: auto, "*": reject}}
    plan:
      - use_tools: [think, {{mcp: {{command: ["{sys.executable}", thinker.py]}}}}]
      - generate
""")
    log = run_logs(server, suite, tmp_path, "--fail-on-error", "false")["clash"]
    (sample,) = log.samples
    assert "offers a tool named 'think'" in str(sample.error) and "prefix" in str(sample.error)
    assert "the server's think" not in str(sample.messages)
