"""An OpenAI-compatible Chat Completions server for tests and benchmarks.

It runs on 127.0.0.1 (a free port unless told) in its own asyncio loop, so one thread
holds any number of keep-alive connections each waiting out a fixed latency. Every
request is checked as strictly as the real API checks it and recorded; a malformed one
gets HTTP 400 with an OpenAI-style error body.

    with start_openai_server(latency=0.05, responder=lambda body: "4") as server:
        os.environ["OPENAI_BASE_URL"] = server.url
        ...
        assert not server.rejected

As a process (prints its base URL on stdout, serves until terminated):

    python -m tests.servers.openai_server --port 0 --latency 0.05 --api-key KEY
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._openai_checks import check_request

# A reply: text, a list of tool calls ({"name", "arguments" (dict or raw str), "id"?}),
# or a message spec {"content", "tool_calls", "finish_reason"}.
Reply = str | list[dict[str, Any]] | dict[str, Any]
Responder = Callable[[dict[str, Any]], Reply]

PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass
class ServerOptions:
    """What the server does; change the fields at any time, even while it runs."""

    api_key: str = "test-key"
    latency: float = 0.0
    fail_429: int = 0  # the next N valid requests get 429
    fail_500: int = 0  # then the next N valid requests get 500
    retry_after: str | None = "0"  # the Retry-After header of those failures (None: none)
    context_limit: int | None = None  # more messages than this: 400 context_length_exceeded
    responder: Responder | None = None
    # A provider's concurrency allowance: requests beyond this many in flight get 429
    # (0: no allowance). The refusal is immediate, as real rate limiters answer.
    max_concurrent: int = 0
    # A share of requests refused with 429 at random, whatever the load (0.01: 1%).
    random_429: float = 0.0
    record: bool = True  # keep every request (benchmarks with many samples only count)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the decoded JSON, or None when it was not JSON
    status: int = 200
    rejected: bool = False  # refused for its format (400/401/404), not a scripted failure
    error: str | None = None


@dataclass
class ServerHandle:
    """A running server: its base URL, what it received and how to stop it."""

    url: str
    port: int
    options: ServerOptions
    requests: list[RecordedRequest] = field(default_factory=list)
    peak_concurrency: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    # Successful replies by second since the first request: a rate over time.
    per_second: collections.Counter[int] = field(default_factory=collections.Counter)
    first_request: float | None = None
    _stop: Callable[[], None] = lambda: None

    @property
    def rejected(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.rejected]

    @property
    def bodies(self) -> list[Any]:
        """The bodies of the requests that passed the format checks."""
        return [r.body for r in self.requests if not r.rejected]

    def stop(self) -> None:
        self._stop()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server:
    """The HTTP/1.1 side: parse requests off keep-alive connections, answer with JSON."""

    def __init__(self, handle: ServerHandle) -> None:
        self.handle = handle
        self.in_flight = 0
        self.connections: set[asyncio.Task[None]] = set()
        self.ids = itertools.count(1)
        self.random = random.Random(0)  # random refusals, the same in every run

    async def connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.connections.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path, headers = _parse_head(head)
                length = int(headers.get("content-length") or 0)
                raw = await reader.readexactly(length) if length else b""
                status, extra, payload = await self.answer(method, path, headers, raw)
                writer.write(_response(status, extra, payload))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # The server is shutting down: end quietly (asyncio would report a cancelled
            # connection handler as an error in its callback).
            pass
        finally:
            if task is not None:
                self.connections.discard(task)
            writer.close()

    async def answer(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        record = RecordedRequest(method, path, headers, body)
        if self.handle.options.record:
            self.handle.requests.append(record)
        try:
            refusal = self.refusal(record, raw)
            if refusal is not None:
                record.status, record.rejected, record.error = refusal[0], True, refusal[1]
                return refusal[0], {}, _error(refusal[1], refusal[2], refusal[3])
            options = self.handle.options
            allowance = options.max_concurrent
            if allowance and self.in_flight >= allowance:
                record.status = 429
                return 429, self.retry_headers(), _error(
                    "Too many concurrent requests", "requests", "rate_limit_exceeded"
                )
            if options.random_429 and self.random.random() < options.random_429:
                record.status = 429
                return 429, self.retry_headers(), _error(
                    "Rate limit reached", "requests", "rate_limit_exceeded"
                )
            self.in_flight += 1
            self.handle.peak_concurrency = max(self.handle.peak_concurrency, self.in_flight)
            try:
                return await self.respond(record, body)
            finally:
                self.in_flight -= 1
        finally:
            self.count(record.status)

    def count(self, status: int) -> None:
        handle = self.handle
        handle.statuses[status] += 1
        now = time.monotonic()
        if handle.first_request is None:
            handle.first_request = now
        if status == 200:
            handle.per_second[int(now - handle.first_request)] += 1

    def retry_headers(self) -> dict[str, str]:
        after = self.handle.options.retry_after
        return {"Retry-After": after} if after else {}

    def refusal(self, record: RecordedRequest, raw: bytes) -> tuple[int, str, str, str] | None:
        """(status, message, type, code) when the request's format is wrong."""
        options = self.handle.options
        if record.method != "POST" or record.path not in PATHS:
            return 404, f"Invalid URL ({record.method} {record.path})", "invalid_request_error", ""
        auth = record.headers.get("authorization", "")
        if auth != f"Bearer {options.api_key}":
            # Like the real API, name the key that was sent: callers must redact it.
            sent = auth.removeprefix("Bearer ")
            message = f"Incorrect API key provided: {sent}"
            return 401, message, "invalid_request_error", "invalid_api_key"
        if record.body is None:
            return 400, f"the body is not valid JSON: {raw[:60]!r}", "invalid_request_error", ""
        problem = check_request(record.body)
        if problem is not None:
            return 400, str(problem), "invalid_request_error", problem.param or ""
        return None

    async def respond(
        self, record: RecordedRequest, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        options = self.handle.options
        if options.latency:
            await asyncio.sleep(options.latency)
        headers = self.retry_headers()
        if options.fail_429 > 0:
            options.fail_429 -= 1
            record.status = 429
            return 429, headers, _error("Rate limit reached", "requests", "rate_limit_exceeded")
        if options.fail_500 > 0:
            options.fail_500 -= 1
            record.status = 500
            return 500, headers, _error("The server had an error", "server_error", "")
        if options.context_limit is not None and len(body["messages"]) > options.context_limit:
            record.status = 400
            message = (f"This model's maximum context length is {options.context_limit} "
                       f"messages; your request has {len(body['messages'])}.")
            return 400, {}, _error(message, "invalid_request_error", "context_length_exceeded")
        try:
            reply = (options.responder or echo)(body)
        except Exception as ex:  # a broken responder is a test bug: make it visible
            record.status, record.error = 500, f"responder failed: {ex!r}"
            return 500, {}, _error(record.error, "server_error", "")
        return 200, {}, _completion(body, reply, next(self.ids))

    async def close(self) -> None:
        # Finish the open keep-alive connections so the loop closes with no pending task.
        tasks = list(self.connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def echo(body: dict[str, Any]) -> str:
    """The default reply: the text of the last user message."""
    for message in reversed(body["messages"]):
        if message["role"] == "user":
            return _text(message.get("content"))
    return ""


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if p.get("type") == "text")
    return ""


def _completion(body: dict[str, Any], reply: Reply, number: int) -> dict[str, Any]:
    if isinstance(reply, str):
        spec: dict[str, Any] = {"content": reply}
    elif isinstance(reply, list):
        spec = {"content": None, "tool_calls": reply}
    else:
        spec = reply
    message: dict[str, Any] = {"role": "assistant", "content": spec.get("content")}
    if spec.get("reasoning_content"):
        message["reasoning_content"] = spec["reasoning_content"]
    calls = spec.get("tool_calls")
    if calls:
        message["tool_calls"] = [
            {
                "id": call.get("id") or f"call_{number}_{i}",
                "type": "function",
                "function": {
                    "name": call["name"],
                    "arguments": call["arguments"] if isinstance(call["arguments"], str)
                    else json.dumps(call["arguments"]),
                },
            }
            for i, call in enumerate(calls)
        ]
    finish = spec.get("finish_reason") or ("tool_calls" if calls else "stop")
    prompt = sum(len(_text(m.get("content")).split()) for m in body["messages"])
    completion = len((message["content"] or "").split())
    return {
        "id": f"chatcmpl-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {"index": i, "message": message, "finish_reason": finish, "logprobs": None}
            for i in range(body.get("n") or 1)
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _error(message: str, kind: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code or None}}


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, path.split("?", 1)[0], headers


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error"}


def _response(status: int, headers: dict[str, str], payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload).encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
        "Content-Type: application/json",
        f"Content-Length: {len(data)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


async def _start(handle: ServerHandle, port: int) -> tuple[asyncio.Server, _Server]:
    server = _Server(handle)
    listener = await asyncio.start_server(server.connection, "127.0.0.1", port, backlog=1024)
    handle.port = listener.sockets[0].getsockname()[1]
    handle.url = f"http://127.0.0.1:{handle.port}/v1"
    return listener, server


def start_openai_server(port: int = 0, **options: Any) -> ServerHandle:
    """Start a server in a background thread; `options` are ServerOptions fields."""
    handle = ServerHandle(url="", port=0, options=ServerOptions(**options))
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict[str, Any] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            state["listener"], state["server"] = loop.run_until_complete(_start(handle, port))
        except BaseException as ex:  # reported to the caller below
            state["error"] = ex
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name="openai-test-server", daemon=True)
    thread.start()
    ready.wait()
    if "error" in state:
        raise state["error"]

    async def shutdown() -> None:
        state["listener"].close()
        await state["server"].close()
        loop.stop()

    def stop() -> None:
        if thread.is_alive():
            asyncio.run_coroutine_threadsafe(shutdown(), loop)
            thread.join(timeout=5)

    handle._stop = stop
    return handle


async def _serve_forever(port: int, options: ServerOptions) -> None:
    handle = ServerHandle(url="", port=0, options=options)
    listener, _ = await _start(handle, port)
    print(handle.url, flush=True)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    async with listener:
        await stopped.wait()
    # What it served, for benchmarks: one JSON line after the URL.
    counts = {str(status): n for status, n in sorted(handle.statuses.items())}
    seconds = max(handle.per_second, default=-1) + 1
    print(json.dumps({"statuses": counts, "peak_concurrency": handle.peak_concurrency,
                      "per_second": [handle.per_second[s] for s in range(seconds)]}),
          flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OpenAI-compatible test server")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per reply")
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--max-concurrent", type=int, default=0,
                        help="answer 429 to requests beyond this many in flight")
    parser.add_argument("--retry-after", default=None, help="Retry-After of a 429")
    parser.add_argument("--random-429", type=float, default=0.0,
                        help="answer 429 to this share of requests at random (0.01: 1%%)")
    args = parser.parse_args(argv)
    options = ServerOptions(api_key=args.api_key, latency=args.latency, record=False,
                            max_concurrent=args.max_concurrent, retry_after=args.retry_after,
                            random_429=args.random_429)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args.port, options))


if __name__ == "__main__":
    main()
