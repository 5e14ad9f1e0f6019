"""WireServer: the shared part of the provider test servers.

Each provider's server subclasses it with three hooks: `check` (refuse a request the real
API would refuse, raising Rejection), `reply` (render a scripted reply in the API's
response shape) and `error` (the API's error body). The base class runs an HTTP/1.1
server on 127.0.0.1 in its own thread and event loop, records every request, and plays
scripted failures (`fail_429`, `fail_5xx` with a Retry-After header) before replying.

    with AnthropicServer(api_key=KEY) as server:
        server.options.responder = lambda body: "Paris"
        ...
        assert not server.rejected
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# A scripted reply: text, a list of tool calls ({"name", "arguments", "id"?}), or a
# provider-specific spec dict (for example {"content": "...", "stop": "refusal"}).
Reply = str | list[dict[str, Any]] | dict[str, Any]
Responder = Callable[[dict[str, Any]], Reply]
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key")


@dataclass
class ServerOptions:
    """What the server does; the fields may change while it runs."""

    api_key: str = "test-key"
    latency: float = 0.0
    fail_429: int = 0  # the next N valid requests get 429
    fail_5xx: int = 0  # then the next N valid requests get `fail_status`
    fail_status: int = 500
    retry_after: str | None = "0"
    responder: Responder | None = None
    # Echo the credential headers in auth errors, as some APIs do: callers must redact.
    echo_credentials: bool = False


@dataclass
class RecordedRequest:
    method: str
    path: str  # percent-decoded
    raw_path: str  # as sent, without the query
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes
    body: Any  # decoded JSON, or None
    status: int = 200
    rejected: bool = False  # refused for its format (path, auth, body), not scripted
    error: str | None = None


@dataclass
class Answer:
    status: int
    body: Any  # a dict/list is sent as JSON, bytes and str as they are
    headers: dict[str, str] = field(default_factory=dict)


class Rejection(Exception):
    """Raised by `check`: the real API would refuse this request."""

    def __init__(self, status: int, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


class WireServer:
    """Base class: subclasses implement check, reply and error."""

    def __init__(self, **options: Any) -> None:
        self.options = ServerOptions(**options)
        self.requests: list[RecordedRequest] = []
        self.url = ""
        self.port = 0
        self.counter = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listener: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # -- provider hooks -------------------------------------------------------------

    def check(self, record: RecordedRequest) -> None:
        """Raise Rejection when the request is not what the API accepts."""

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        raise NotImplementedError

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        return Answer(status, {"error": {"message": message, "type": kind}})

    def default_reply(self, body: dict[str, Any]) -> Reply:
        return "ok"

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- what tests read ------------------------------------------------------------

    @property
    def rejected(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.rejected]

    @property
    def bodies(self) -> list[Any]:
        return [r.body for r in self.requests if not r.rejected]

    def statuses(self) -> list[int]:
        return [r.status for r in self.requests]

    # -- request handling -------------------------------------------------------------

    async def handle(self, record: RecordedRequest) -> Answer:
        try:
            self.check(record)
        except Rejection as ex:
            record.rejected, record.error = True, str(ex)
            message = str(ex)
            if self.options.echo_credentials and ex.status in (400, 401, 403):
                sent = [record.headers[h] for h in CREDENTIAL_HEADERS if h in record.headers]
                message += f" (sent: {', '.join(sent)})"
            return self.error(ex.status, message, ex.kind)
        return await self.scripted(record, lambda reply: self.reply(record, reply))

    async def scripted(
        self, record: RecordedRequest, render: Callable[[Reply], Answer]
    ) -> Answer:
        """Latency, then the scripted failures, then the responder's reply."""
        options = self.options
        if options.latency:
            await asyncio.sleep(options.latency)
        headers = {"Retry-After": options.retry_after} if options.retry_after else {}
        if options.fail_429 > 0:
            options.fail_429 -= 1
            answer = self.error(429, "Rate limit reached for requests", "rate_limit")
        elif options.fail_5xx > 0:
            options.fail_5xx -= 1
            answer = self.error(options.fail_status, "The server is overloaded", "server")
        else:
            self.counter += 1
            try:
                reply = (options.responder or self.default_reply)(record.body)
            except Exception as ex:  # a broken responder is a test bug: make it visible
                record.error = f"responder failed: {ex!r}"
                return self.error(500, record.error, "server")
            return render(reply)
        answer.headers.update(headers)
        return answer

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, headers = _parse_head(head)
                length = int(headers.get("content-length") or 0)
                raw = await reader.readexactly(length) if length else b""
                record = _record(method, target, headers, raw)
                self.requests.append(record)
                answer = await self.handle(record)
                record.status = answer.status
                writer.write(_encode(answer))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> WireServer:
        ready = threading.Event()
        errors: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def listen() -> None:
            self._listener = await asyncio.start_server(
                self._connection, "127.0.0.1", 0, limit=2**24
            )
            self.port = self._listener.sockets[0].getsockname()[1]
            self.url = self.base_url()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(listen())
            except BaseException as ex:  # reported to the caller below
                errors.append(ex)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return

        async def shutdown() -> None:
            if self._listener is not None:
                self._listener.close()
            for writer in list(self._writers):
                writer.close()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        thread.join(timeout=5)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _record(method: str, target: str, headers: dict[str, str], raw: bytes) -> RecordedRequest:
    parts = urlsplit(target)
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return RecordedRequest(
        method=method,
        path=unquote(parts.path),
        raw_path=parts.path,
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        raw=raw,
        body=body,
    )


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 408: "Request Timeout", 422: "Unprocessable Entity",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
            529: "Overloaded"}


def _encode(answer: Answer) -> bytes:
    body = answer.body
    if isinstance(body, bytes):
        data, kind = body, "application/octet-stream"
    elif isinstance(body, str):
        data, kind = body.encode(), "text/plain"
    else:
        data, kind = json.dumps(body).encode(), "application/json"
    headers = {"Content-Type": kind, **answer.headers, "Content-Length": str(len(data))}
    lines = [f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Error')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


def require(condition: bool, message: str, status: int = 400, kind: str = "") -> None:
    """Raise a Rejection unless `condition` holds (checks read as assertions)."""
    if not condition:
        raise Rejection(status, message, kind)


def only_keys(obj: Any, allowed: set[str], where: str) -> None:
    """Refuse a JSON object holding keys the API does not know."""
    require(isinstance(obj, dict), f"{where}: expected an object")
    extra = sorted(set(obj) - allowed)
    require(not extra, f"{where}: unknown field '{extra[0] if extra else ''}'")
