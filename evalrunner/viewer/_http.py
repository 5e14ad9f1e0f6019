"""A small HTTP/1.1 server on asyncio streams: the page, its assets and a JSON API.

GET only, one request per connection. Log files are read in worker threads so a big
index build never stalls other requests. The page may load nothing from elsewhere
(Content-Security-Policy), and when bound to a loopback address the server answers only
requests addressed to it by that name (a guard against DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, unquote

from ._compare import compare_view
from ._library import SORTS, LogLibrary, NotFound, SampleQuery

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
          ".svg": "image/svg+xml", ".json": "application/json"}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 500: "Internal Server Error"}

Response = tuple[int, str, bytes]


class BadRequest(Exception):
    """A malformed query parameter."""


def static_files() -> dict[str, bytes]:
    """The page's files shipped in the package, by name."""
    folder = resources.files("evalrunner.viewer").joinpath("static")
    return {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}


class ViewerServer:
    """Serves a LogLibrary; `await start()`, then `url`, then `await close()`."""

    def __init__(self, library: LogLibrary, host: str = "127.0.0.1", port: int = 7575) -> None:
        self.library = library
        self.host = host
        self.port = port
        self._assets = static_files()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def serve_forever(self) -> None:
        assert self._server is not None, "start() first"
        await self._server.serve_forever()

    async def close(self) -> None:
        """Stop listening and end open connections (a browser keeps idle ones around)."""
        if self._server is not None:
            self._server.close()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            method, target, headers = _parse_head(head)
            if method not in ("GET", "HEAD"):
                response: Response = _error(405, "only GET is served")
            elif not self._host_allowed(headers.get("host", "")):
                response = _error(403, "unexpected Host header")
            else:
                response = await self._route(target)
            writer.write(_encode(response, head_only=method == "HEAD"))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass  # a client that went away or sent garbage gets no answer
        except (ConnectionError, asyncio.CancelledError):
            # Cancelled only by close(); ending normally keeps asyncio from reporting the
            # connection's task as failed.
            pass
        finally:
            self._handlers.discard(task)  # type: ignore[arg-type]
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    def _host_allowed(self, host: str) -> bool:
        if self.host not in _LOOPBACK:
            return True  # served on purpose to a network: names cannot be known
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.strip("[]") in _LOOPBACK

    async def _route(self, target: str) -> Response:
        path, _, query = target.partition("?")
        parts = path.split("/")[1:]
        if path in ("/", "/index.html"):
            return self._asset("index.html")
        if len(parts) == 2 and parts[0] == "assets":
            return self._asset(unquote(parts[1]))
        if parts == ["api", "compare"]:
            ids = [i for v in parse_qs(query).get("logs", []) for i in v.split(",") if i]
            return await _json(lambda: compare_view(self.library, ids))
        if parts[:2] != ["api", "logs"]:
            return _error(404, "no such page")
        return await self._api(parts[2:], parse_qs(query))

    def _asset(self, name: str) -> Response:
        body = self._assets.get(name)
        if body is None:
            return _error(404, f"no asset {name}")
        suffix = name[name.rfind(".") :]
        return 200, _TYPES.get(suffix, "application/octet-stream"), body

    async def _api(self, parts: list[str], query: dict[str, list[str]]) -> Response:
        lib = self.library
        call: Callable[[], Any]
        if not parts:
            call = lib.list_logs
        else:
            log_id = unquote(parts[0])
            rest = parts[1:]
            if not rest:
                call = lambda: lib.header(log_id)  # noqa: E731
            elif rest == ["facets"]:
                call = lambda: lib.facets(log_id)  # noqa: E731
            elif rest == ["samples"]:
                try:
                    sample_query = _sample_query(query)
                except BadRequest as ex:
                    return _error(400, str(ex))
                call = lambda: lib.samples(log_id, sample_query)  # noqa: E731
            elif len(rest) == 2 and rest[0] == "samples" and rest[1].isdigit():
                try:
                    around = _sample_query(query)
                except BadRequest as ex:
                    return _error(400, str(ex))
                call = lambda: lib.sample(log_id, int(rest[1]), around)  # noqa: E731
            else:
                return _error(404, "no such API")
        return await _json(call)


async def _json(call: Callable[[], Any]) -> Response:
    try:
        data = await asyncio.to_thread(call)
    except NotFound as ex:
        return _error(404, f"not found: {ex}")
    except (OSError, ValueError) as ex:
        return _error(500, f"{type(ex).__name__}: {ex}")
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return 200, "application/json", body


def _sample_query(query: dict[str, list[str]]) -> SampleQuery:
    def one(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values and values[0] != "" else None

    def number(name: str, default: int) -> int:
        value = one(name)
        if value is None:
            return default
        if not value.isdigit():
            raise BadRequest(f"{name} must be a whole number, not '{value}'")
        return int(value)

    error = one("error")
    if error not in (None, "0", "1", "true", "false"):
        raise BadRequest(f"error must be 1 or 0, not '{error}'")
    sort = one("sort")
    if sort is not None and sort.lstrip("-") not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    return SampleQuery(
        offset=number("offset", 0),
        limit=number("limit", 50),
        score=one("score"),
        scorer=one("scorer"),
        error=None if error is None else error in ("1", "true"),
        q=one("q"),
        meta=one("meta"),
        sort=sort,
    )


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if not target.startswith("/"):
        raise ValueError("bad request target")
    return method, target, headers


def _error(status: int, message: str) -> Response:
    return status, "application/json", json.dumps({"error": message}).encode()


def _encode(response: Response, head_only: bool) -> bytes:
    status, ctype, body = response
    charset = "; charset=utf-8" if ctype.startswith(("text/", "application/json")) else ""
    headers = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}",
        f"Content-Type: {ctype}{charset}",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: no-referrer",
        f"Content-Security-Policy: {CSP}",
        "Connection: close",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + (b"" if head_only else body)
