"""Tools from MCP servers, through the official `mcp` package: a server started on stdio
(here, or inside the sample's sandbox), or one reached over streamable HTTP or SSE (which
a command given beside the url may start here first).

A connection runs in a task of its own: the package's transports are context managers that
must be left in the task that entered them, while tool calls come from every sample.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from .._util.secrets import register_mapping_secrets, register_url_secrets
from ._info import ToolInfo
from ._lifetime import Lifetime, shared
from ._tool import ToolError

CONNECT_TIMEOUT = 60.0
Transport = Literal["stdio", "http", "sse"]
TRANSPORTS = ("stdio", "http", "sse")


class McpConnection:
    """One MCP client session, opened in its own task and closed by `close()`."""

    def __init__(self, server: McpServer) -> None:
        self.server = server
        self.session: Any = None
        self.tools: list[Any] = []
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> McpConnection:
        self._task = asyncio.create_task(self._serve())
        await asyncio.wait_for(self._ready.wait(), CONNECT_TIMEOUT)
        if self._error is not None:
            error = _first(self._error)
            raise RuntimeError(f"MCP server {self.server.label}: {type(error).__name__}: "
                               f"{error}") from self._error
        return self

    async def _serve(self) -> None:
        process: asyncio.subprocess.Process | None = None
        try:
            process = await self.server.start()
            await self._connect(process)
        except BaseException as ex:  # reported to whoever waits for the connection
            self._error = ex
            self._ready.set()
            if not isinstance(ex, Exception):
                raise
        finally:
            if process is not None:
                await _stop_process(process)

    async def _connect(self, process: asyncio.subprocess.Process | None) -> None:
        """Opens the session; a server this task started is retried until it answers."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONNECT_TIMEOUT
        while True:
            try:
                await self._session()
                return
            except Exception:
                if process is None or self._ready.is_set() or loop.time() > deadline:
                    raise
                if process.returncode is not None:
                    raise RuntimeError(f"its command exited with code {process.returncode} "
                                       "before it answered") from None
            await asyncio.sleep(0.2)

    async def _session(self) -> None:
        from mcp import ClientSession

        async with self.server.transport() as streams, \
                ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            listed = await session.list_tools()
            self.session, self.tools = session, list(listed.tools)
            self._ready.set()
            await self._stop.wait()

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)

    async def call(self, name: str, arguments: dict[str, Any]) -> str:
        result = await self.session.call_tool(name, arguments)
        text = "\n".join(_content_text(c) for c in getattr(result, "content", []) or [])
        if getattr(result, "isError", False) or getattr(result, "is_error", False):
            raise ToolError(text or f"the MCP tool '{name}' failed")
        return text


class McpServer:
    """An MCP server named in a suite; its tools are listed when a sample first needs them."""

    def __init__(self, command: str | list[str] | None = None, args: list[str] | None = None,
                 env: dict[str, str] | None = None, cwd: str | None = None,
                 url: str | None = None, headers: dict[str, str] | None = None,
                 tools: str | list[str] = "*", lifetime: Lifetime = "task",
                 prefix: str | None = None, transport: Transport | None = None,
                 sandbox: str | bool | None = None) -> None:
        if command is None and url is None:
            raise ValueError("an mcp server needs a command (stdio) or a url (HTTP)")
        if lifetime not in ("task", "sample"):
            raise ValueError("lifetime must be task or sample")
        self.transport_name: Transport = transport or ("stdio" if url is None else "http")
        if self.transport_name not in TRANSPORTS:
            raise ValueError(f"unknown mcp transport '{transport}' (known: "
                             f"{', '.join(TRANSPORTS)})")
        if (self.transport_name == "stdio") != (url is None):
            raise ValueError("transport stdio takes a command; http and sse take a url "
                             "(and a command that starts the server there, if you like)")
        if sandbox not in (None, False) and url is not None:
            raise ValueError("sandbox runs a server's command inside the sample's sandbox "
                             "over stdio: give command, not url")
        # A server inside the sandbox lives and dies with the sample's sandbox.
        self.sandbox = None if sandbox in (None, False) else (
            None if sandbox is True else str(sandbox))
        self.in_sandbox = sandbox not in (None, False)
        if self.in_sandbox:
            lifetime = "sample"
        parts = [command] if isinstance(command, str) else list(command or [])
        if command is not None and not parts:
            raise ValueError("mcp command is empty")
        self.command = parts[:1]
        self.args = [*parts[1:], *(args or [])]
        self.env, self.cwd, self.url, self.headers = env, cwd, url, headers
        # Keys given to the server stay out of logs and errors (its URL's are in both).
        register_mapping_secrets(env)
        register_mapping_secrets(headers)
        register_url_secrets(url)
        self.patterns = [tools] if isinstance(tools, str) else list(tools)
        self.lifetime: Lifetime = lifetime
        self.prefix = prefix
        self.label = url or " ".join([*self.command, *self.args])
        from ..template import suite_folder

        # A relative command or script is found from the suite's folder, as other files are.
        folder = suite_folder()
        self.folder = str(folder) if folder is not None else os.getcwd()

    async def start(self) -> asyncio.subprocess.Process | None:
        """With both a command and a url, the command starts the server the url reaches: it
        runs on this machine, like a stdio server's, for as long as the connection."""
        if self.url is None or not self.command:
            return None
        cwd = os.path.join(self.folder, self.cwd) if self.cwd else self.folder
        env = {**os.environ, **self.env} if self.env else None
        # A session of its own, so that stopping it also stops whatever it started.
        return await asyncio.create_subprocess_exec(
            *self.command, *self.args, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True)

    def transport(self) -> Any:
        if self.url is not None:
            if self.transport_name == "sse":
                from mcp.client.sse import sse_client

                return sse_client(self.url, headers=self.headers)
            return _http_transport(self.url, self.headers)
        from mcp.client.stdio import StdioServerParameters, stdio_client

        if self.in_sandbox:
            return stdio_client(self._sandboxed())
        params = StdioServerParameters(
            command=self.command[0], args=self.args, env=self.env,
            cwd=os.path.join(self.folder, self.cwd) if self.cwd else self.folder,
        )
        return stdio_client(params)

    def _sandboxed(self) -> Any:
        """The command, run inside the current sample's sandbox: `cwd` is a path there."""
        from mcp.client.stdio import StdioServerParameters

        from ..sandbox import sandbox as sandbox_of

        box = sandbox_of(self.sandbox)
        found = box.stdio_command([*self.command, *self.args], self.cwd, self.env)
        if found is None:
            raise RuntimeError(f"a {type(box).__name__} cannot run an MCP server inside")
        argv, env = found
        return StdioServerParameters(command=argv[0], args=argv[1:], env=env)

    async def tools(self) -> list[Any]:
        """The server's tools whose names match the patterns, as evalrunner tools."""

        async def make() -> tuple[McpConnection, Callable[[], Awaitable[None]]]:
            connection = await McpConnection(self).open()
            return connection, connection.close

        if self.in_sandbox:
            from ..sandbox import sandbox as sandbox_of

            try:
                sandbox_of(self.sandbox)  # a clear error now, not a failed connection
            except Exception as ex:
                raise ToolError(f"MCP server {self.label}: {ex}") from None
        connection: McpConnection = await shared(id(self), self.lifetime, make)
        return [self._tool(connection, t) for t in connection.tools
                if any(fnmatch.fnmatchcase(t.name, p) for p in self.patterns)]

    def _tool(self, connection: McpConnection, spec: Any) -> Any:
        name = f"{self.prefix}_{spec.name}" if self.prefix else spec.name

        async def execute(**arguments: Any) -> str:
            return await connection.call(spec.name, arguments)

        schema = dict(getattr(spec, "inputSchema", None) or getattr(spec, "input_schema", {})
                      or {"type": "object", "properties": {}})
        schema.setdefault("properties", {})
        execute.info = ToolInfo(  # type: ignore[attr-defined]
            name=name, description=spec.description or spec.name, parameters=schema)
        return execute


def _http_transport(url: str, headers: dict[str, str] | None) -> Any:
    from mcp.client.streamable_http import streamable_http_client

    if headers:
        from mcp.shared._httpx_utils import create_mcp_http_client

        return streamable_http_client(url, http_client=create_mcp_http_client(headers=headers))
    return streamable_http_client(url)


async def _stop_process(process: asyncio.subprocess.Process) -> None:
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        if process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(process.wait(), wait)


def _first(error: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups: what a user can act on."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _content_text(content: Any) -> str:
    text = getattr(content, "text", None)
    if text is not None:
        return str(text)
    return f"[{getattr(content, 'type', 'content')}]"
