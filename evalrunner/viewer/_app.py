"""The viewer's web server (aiohttp): the page, its assets and a JSON API.

GET and HEAD only, with keep-alive; JSON and the page's text files are gzipped for
clients that accept it. Log files are read, and answers encoded, in worker threads so a
big index build never stalls other requests. The page may load nothing from elsewhere
(Content-Security-Policy), and when bound to a loopback address the server answers only
requests addressed to it by that name (a guard against DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from aiohttp import web

from .._util.secrets import redact
from ._compare import compare_view
from ._library import SORTS, LogLibrary, NotFound, SampleQuery

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CSP,
}
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
          ".svg": "image/svg+xml", ".json": "application/json"}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_TEXT_TYPES = ("text/", "application/json", "image/svg+xml")
_MIN_GZIP = 512  # bytes: below this, gzip's header costs more than it saves
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._guard])
        app.router.add_get("/", self._index)
        app.router.add_get("/index.html", self._index)
        app.router.add_get("/assets/{name}", self._asset)
        app.router.add_get("/api/logs", self._logs)
        app.router.add_get("/api/logs/{log_id}", self._header)
        app.router.add_get("/api/logs/{log_id}/facets", self._facets)
        app.router.add_get("/api/logs/{log_id}/samples", self._samples)
        app.router.add_get("/api/logs/{log_id}/samples/{n:[0-9]+}", self._sample)
        app.router.add_get("/api/compare", self._compare)
        app.on_response_prepare.append(_security_headers)
        # A short grace period on close: a browser keeps idle connections open.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def serve_forever(self) -> None:
        assert self._runner is not None, "start() first"
        await asyncio.Event().wait()  # until cancelled (Ctrl-C)

    async def close(self) -> None:
        """Stop listening and end open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The Host check first; every error, aiohttp's own included, answered as JSON."""
        if not self._host_allowed(request.headers.get("Host", "")):
            return _error(403, "unexpected Host header")
        try:
            response = await handler(request)
        except web.HTTPException as ex:
            if ex.status < 400:
                raise
            message = "only GET is served" if ex.status == 405 else ex.reason.lower()
            response = _error(ex.status, message)
            if "Allow" in ex.headers:
                response.headers["Allow"] = ex.headers["Allow"]
        _compress(request, response)
        return response

    def _host_allowed(self, host: str) -> bool:
        if not _is_loopback(self.host):
            return True  # served on purpose to a network: names cannot be known
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.strip("[]") in (*_LOOPBACK, self.host.strip("[]"))

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return self._file("index.html")

    async def _asset(self, request: web.Request) -> web.StreamResponse:
        return self._file(request.match_info["name"])

    def _file(self, name: str) -> web.StreamResponse:
        body = self._assets.get(name)
        if body is None:
            return _error(404, f"no asset {name}")
        ctype = _TYPES.get(name[name.rfind("."):], "application/octet-stream")
        charset = "utf-8" if ctype.startswith("text/") else None
        return web.Response(body=body, content_type=ctype, charset=charset)

    async def _logs(self, request: web.Request) -> web.StreamResponse:
        return await _json(self.library.list_logs)

    async def _header(self, request: web.Request) -> web.StreamResponse:
        log_id = request.match_info["log_id"]
        return await _json(lambda: self.library.header(log_id))

    async def _facets(self, request: web.Request) -> web.StreamResponse:
        log_id = request.match_info["log_id"]
        return await _json(lambda: self.library.facets(log_id))

    async def _samples(self, request: web.Request) -> web.StreamResponse:
        log_id = request.match_info["log_id"]
        try:
            query = _sample_query(request.query.get)
        except BadRequest as ex:
            return _error(400, str(ex))
        return await _json(lambda: self.library.samples(log_id, query))

    async def _sample(self, request: web.Request) -> web.StreamResponse:
        log_id, n = request.match_info["log_id"], int(request.match_info["n"])
        try:  # the list's filters and order: the sample's previous and next in it
            around = _sample_query(request.query.get)
        except BadRequest as ex:
            return _error(400, str(ex))
        return await _json(lambda: self.library.sample(log_id, n, around))

    async def _compare(self, request: web.Request) -> web.StreamResponse:
        ids = [i for v in request.query.getall("logs", []) for i in v.split(",") if i]
        return await _json(lambda: compare_view(self.library, ids))


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: a server for this machine only (127.0.0.2 too)."""
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(_HEADERS)


async def _json(call: Callable[[], Any]) -> web.StreamResponse:
    def encoded() -> bytes:
        data = call()
        # A log written elsewhere may hold a key this process knows: never served.
        return redact(json.dumps(data, ensure_ascii=False, separators=(",", ":"))).encode()

    try:
        body = await asyncio.to_thread(encoded)
    except NotFound as ex:
        return _error(404, f"not found: {ex}")
    except ValueError as ex:  # a malformed or oversized log: its fault, not the server's
        return _error(422, f"cannot read the log: {redact(str(ex))}")
    except OSError as ex:
        return _error(500, f"{type(ex).__name__}: {redact(str(ex))}")
    return web.Response(body=body, content_type="application/json", charset="utf-8")


def _compress(request: web.Request, response: web.StreamResponse) -> None:
    """gzip, when the client accepts it, for text worth compressing."""
    accepted = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    body = response.body if isinstance(response, web.Response) else None
    textual = response.content_type.startswith(_TEXT_TYPES)
    if accepted and textual and isinstance(body, bytes) and len(body) > _MIN_GZIP:
        response.enable_compression(web.ContentCoding.gzip)


def _sample_query(one_of: Callable[[str], str | None]) -> SampleQuery:
    def one(name: str) -> str | None:
        value = one_of(name)
        return value if value else None

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


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
