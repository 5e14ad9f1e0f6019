"""The bridge's endpoint: the task's model served as OpenAI Chat Completions
(`/v1/chat/completions`), OpenAI Responses (`/v1/responses`) and Anthropic Messages
(`/v1/messages`), each streamed too (`"stream": true`: server-sent events in the API's
own format, sent once the model's reply is complete).

An agent written for either vendor's API (its SDK or any HTTP client) is pointed at it
with `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL`; each request becomes a `generate` call of
evalrunner's model, in the sample's context, so roles, retries, the cache, limits and
events (with usage) all apply. Served for the length of one sample, on 127.0.0.1 (a
free port) for a program on this machine, or on a unix socket that a sandbox sees.

Another local user (or a web page, through the user's browser) can reach the endpoint,
and every answer is paid with the run's key: each request must carry the sample's token
as `Authorization: Bearer TOKEN` or `x-api-key: TOKEN` (401 otherwise), and a POST must
say its body is JSON (415 otherwise), so no CORS-"simple" request (`text/plain`, no
custom header) is ever served.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hmac
import json
import os
import secrets
from pathlib import Path
from types import ModuleType
from typing import Any

from ...events._limits import LimitExceededError
from ...model._get import get_model
from . import _chat, _messages, _responses

MAX_BODY = 64 * 1024 * 1024
# The last part of a POST path, and the module that speaks that API.
_ROUTES: dict[str, ModuleType] = {"chat/completions": _chat,
                                  "responses": _responses,
                                  "messages": _messages}
Answer = tuple[int, dict[str, Any], bool]  # status, JSON payload, streamed as events


class BridgeServer:
    """The endpoint for one sample: TCP on 127.0.0.1 (`base_url`), or the unix socket
    `unix` (a path on this machine, made readable and writable by every user: the token is
    what guards it, and a sandbox's user may be anyone)."""

    def __init__(self, unix: Path | None = None) -> None:
        # The per-sample token only the agent is given; not a provider key, never logged.
        self.api_key = "bridge-" + secrets.token_hex(16)
        self.base_url = ""
        self.unix = unix
        self.limit: LimitExceededError | None = None  # a limit the agent's calls reached
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()  # kept-alive client connections
        self._context = contextvars.copy_context()

    async def __aenter__(self) -> BridgeServer:
        self._context = contextvars.copy_context()  # the sample's: model, limits, events
        if self.unix is None:
            self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            self.base_url = f"http://127.0.0.1:{port}/v1"
            return self
        # A socket path is at most 107 bytes: bound through a descriptor of its folder.
        folder = os.open(self.unix.parent, os.O_PATH | os.O_DIRECTORY)
        try:
            self._server = await asyncio.start_unix_server(
                self._connection, f"/proc/self/fd/{folder}/{self.unix.name}")
        finally:
            os.close(folder)
        self.unix.chmod(0o666)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._open):
                writer.close()  # their handlers end on the closed stream, not cancelled
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
        if self.unix is not None:
            self.unix.unlink(missing_ok=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                          ) -> None:
        self._open.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                task = asyncio.create_task(self._answer(*request), context=self._context)
                status, payload, streamed = await task
                writer.write(_response(status, payload, streamed, _api(request[1])))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._open.discard(writer)
            writer.close()

    async def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes
                      ) -> Answer:
        api = _api(path)
        refused = self._refusal(method, headers, api)
        if refused is not None:
            return refused
        if method == "GET" and path.rstrip("/").endswith("/models"):
            return 200, {"object": "list", "data": [{"id": get_model().name,
                                                      "object": "model"}]}, False
        if method != "POST" or api is None:
            return 404, _chat.error(404, f"no route for {method} {path}"), False
        try:
            request = json.loads(body)
            parsed = api.parse(request)
        except (ValueError, KeyError, TypeError, AttributeError) as ex:
            return 400, api.error(400, f"bad request: {ex}"), False
        if self.limit is not None:
            return 429, api.error(429, str(self.limit)), False
        name = request.get("model")
        try:
            model = get_model(name) if _is_role(name) else get_model()
            output = await model.generate(parsed.messages, parsed.tools, parsed.choice,
                                          parsed.config)
        except LimitExceededError as ex:
            self.limit = ex  # the sample ends with it once the agent stops
            return 429, api.error(429, str(ex)), False
        except Exception as ex:
            return 502, api.error(502, f"{type(ex).__name__}: {ex}"), False
        return 200, api.reply(output, name or model.name), bool(request.get("stream"))

    def _refusal(self, method: str, headers: dict[str, str], api: ModuleType | None
                 ) -> Answer | None:
        """401 without the sample's token, 415 for a POST whose body is not JSON."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            token = headers.get("x-api-key", "")
        if not hmac.compare_digest(token.strip().encode(), self.api_key.encode()):
            message = "missing or wrong bridge token (Authorization: Bearer or x-api-key)"
            return 401, (api or _chat).error(401, message), False
        kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if method == "POST" and kind != "application/json":
            return 415, (api or _chat).error(415, "the body must be application/json"), \
                False
        return None


def _api(path: str) -> ModuleType | None:
    path = path.rstrip("/")
    return next((module for end, module in _ROUTES.items() if path.endswith("/" + end)), None)


def _is_role(name: Any) -> bool:
    from ...model._get import active_roles

    return isinstance(name, str) and name in active_roles.get()


async def _read_request(reader: asyncio.StreamReader
                        ) -> tuple[str, str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(":") for line in lines[1:] if ":" in line)}
    length = min(int(headers.get("content-length", "0") or 0), MAX_BODY)
    body = await reader.readexactly(length) if length else b""
    return method, path.split("?", 1)[0], headers, body


def _response(status: int, payload: dict[str, Any], streamed: bool,
              api: ModuleType | None) -> bytes:
    if streamed and status == 200 and api is not None:
        data: bytes = api.stream(payload)
        kind = "text/event-stream"
    else:
        data = json.dumps(payload).encode()
        kind = "application/json"
    head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            f"Content-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n")
    return head.encode() + data
