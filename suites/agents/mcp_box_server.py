"""A small MCP server on stdio, in plain Python (no packages): for sandboxes whose Python
has only its standard library. It speaks MCP's JSON-RPC (initialize, tools/list,
tools/call, ping) one message per line.

Tools: `read(path)` gives a file's text as the server sees it (inside the sandbox, a
file only the sandbox has) and `where()` the server's working folder and host name.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

TOOLS = [
    {"name": "read", "description": "The text of a file.",
     "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}},
                     "required": ["path"]}},
    {"name": "where", "description": "The server's working folder and host name.",
     "inputSchema": {"type": "object", "properties": {}}},
]


def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    try:
        if name == "read":
            with open(arguments["path"], encoding="utf-8") as f:
                text = f.read()
        elif name == "where":
            text = f"{os.getcwd()} on {socket.gethostname()}"
        else:
            return {"content": [{"type": "text", "text": f"no tool {name}"}], "isError": True}
    except OSError as ex:
        return {"content": [{"type": "text", "text": str(ex)}], "isError": True}
    return {"content": [{"type": "text", "text": text}], "isError": False}


def answer(request: dict[str, Any]) -> dict[str, Any] | None:
    method, params = request.get("method"), request.get("params") or {}
    if "id" not in request:
        return None  # a notification (notifications/initialized): nothing to say
    if method == "initialize":
        result: Any = {"protocolVersion": params.get("protocolVersion", "2025-06-18"),
                       "capabilities": {"tools": {}},
                       "serverInfo": {"name": "box", "version": "1.0"}}
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call":
        result = call(params.get("name", ""), params.get("arguments") or {})
    elif method == "ping":
        result = {}
    else:
        return {"jsonrpc": "2.0", "id": request["id"],
                "error": {"code": -32601, "message": f"no method {method}"}}
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = answer(json.loads(line))
        if reply is not None:
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
