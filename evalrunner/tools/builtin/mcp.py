"""`mcp`: the tools of an MCP server (`use_tools: [{mcp: {command: [...]}}]` or `{url: ...}`)."""

from __future__ import annotations

from typing import Any

from ...registry._decorators import registering_decorator


def mcp(
    command: str | list[str] | None = None,
    args: list[str] | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    url: str | None = None,
    headers: dict[str, str] | None = None,
    tools: str | list[str] = "*",
    lifetime: str = "task",
    prefix: str | None = None,
    transport: str | None = None,
    sandbox: str | bool | None = None,
) -> Any:
    """An MCP server's tools. `command` (with `args`, `env`, `cwd`) starts a server on stdio;
    `url` connects to a streamable-HTTP one (`transport: sse`: an SSE one); with both, the
    command starts the server the url reaches, stopped with the connection. `sandbox: true`
    (or a sandbox's name) runs the command inside the sample's sandbox, one per sample.
    `tools` keeps the names matching these patterns; `lifetime` is `task` (one server for
    all samples) or `sample` (one per sample); `prefix` is put before each tool name.
    Needs the `mcp` extra."""
    import importlib.util

    from ..._util.extras import MissingExtra
    from .._mcp import McpServer

    if importlib.util.find_spec("mcp") is None:
        raise MissingExtra("mcp", "MCP tools")
    return McpServer(command, args, env, cwd, url, headers, tools, lifetime,  # type: ignore[arg-type]
                     prefix, transport, sandbox)  # type: ignore[arg-type]


registering_decorator("tool", mcp, "mcp")
