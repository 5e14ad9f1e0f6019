"""An example MCP server (used by the tests), over stdio (default), streamable HTTP
(`--http PORT`, at /mcp) or SSE (`--sse PORT`, or `--sse http://127.0.0.1:PORT/sse`).

Tools: `add(a, b)`, `shout(text)` and `fail()` (which reports a tool error). Each call of
`calls()` reports how many tool calls this server process has answered, so a test can tell a
server shared by the samples of a task from one started per sample. With `MCP_PID_FILE`
set, the process adds its id to that file when it starts.
"""

from __future__ import annotations

import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("evalrunner-test")
_calls = {"n": 0}


@server.tool()
def add(a: int, b: int) -> str:
    """Add two integers."""
    _calls["n"] += 1
    return str(a + b)


@server.tool()
def shout(text: str) -> str:
    """The text in capitals."""
    _calls["n"] += 1
    return text.upper()


@server.tool()
def fail() -> str:
    """Always fails."""
    raise ToolError("this tool always fails")


@server.tool()
def calls() -> str:
    """How many calls this server process has answered."""
    _calls["n"] += 1
    return str(_calls["n"])


if __name__ == "__main__":
    if os.environ.get("MCP_PID_FILE"):  # lets a test see which processes ran, and when
        with open(os.environ["MCP_PID_FILE"], "a") as pids:
            pids.write(f"{os.getpid()}\n")
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    elif len(sys.argv) > 2 and sys.argv[1] == "--sse":  # a port, or the URL to serve
        server.run("sse", host="127.0.0.1", port=int(sys.argv[2].split(":")[-1].split("/")[0]))
    else:
        server.run()
