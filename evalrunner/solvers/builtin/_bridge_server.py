"""The bridge's local endpoint: OpenAI Chat Completions served by the task's model.

An agent written for the OpenAI API (its SDK or any HTTP client) is pointed at it with
`OPENAI_BASE_URL`; each request becomes a `generate` call of evalrunner's model, in the
sample's context, so roles, retries, the cache, limits and events all apply. Served on
127.0.0.1 on a free port for the length of one sample.

Another local user (or a web page, through the user's browser) can reach that port, and
every answer is paid with the run's key: each request must carry the sample's token as
`Authorization: Bearer TOKEN` (401 otherwise), and a POST must say its body is JSON (415
otherwise), so no CORS-"simple" request (`text/plain`, no custom header) is ever served.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hmac
import json
import secrets
import time
from typing import Any

from ...events._limits import LimitExceededError
from ...model._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentImage,
    ContentText,
)
from ...model._config import GenerateConfig
from ...model._get import get_model
from ...model._output import ModelOutput
from ...model.providers._openai_wire import _assistant_message, _parse_tool_call
from ...tools._info import ToolChoice, ToolFunction, ToolInfo

_CONFIG = {"temperature": "temperature", "top_p": "top_p", "stop": "stop_seqs", "seed": "seed",
           "max_tokens": "max_tokens", "max_completion_tokens": "max_tokens", "n": "num_choices",
           "frequency_penalty": "frequency_penalty", "presence_penalty": "presence_penalty",
           "reasoning_effort": "reasoning_effort", "parallel_tool_calls": "parallel_tool_calls"}
_FINISH = {"stop": "stop", "length": "length", "tool_calls": "tool_calls",
           "content_filter": "content_filter", "unknown": "stop"}
MAX_BODY = 64 * 1024 * 1024


class BridgeServer:
    """Chat Completions on 127.0.0.1 for one sample; `base_url` once started."""

    def __init__(self) -> None:
        # The per-sample token only the agent is given; not a provider key, never logged.
        self.api_key = "bridge-" + secrets.token_hex(16)
        self.base_url = ""
        self.limit: LimitExceededError | None = None  # a limit the agent's calls reached
        self._server: asyncio.Server | None = None
        self._context = contextvars.copy_context()

    async def __aenter__(self) -> BridgeServer:
        self._context = contextvars.copy_context()  # the sample's: model, limits, events
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                          ) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                task = asyncio.create_task(self._answer(*request), context=self._context)
                status, payload, stream = await task
                writer.write(_response(status, payload, stream))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes
                      ) -> tuple[int, dict[str, Any], bool]:
        refused = self._refusal(method, headers)
        if refused is not None:
            return refused
        if method == "GET" and path.rstrip("/").endswith("/models"):
            return 200, {"object": "list", "data": [{"id": get_model().name,
                                                      "object": "model"}]}, False
        if method != "POST" or not path.rstrip("/").endswith("/chat/completions"):
            return 404, _error(f"no route for {method} {path}"), False
        try:
            request = json.loads(body)
            messages, tools, choice, config = parse_request(request)
        except (ValueError, KeyError, TypeError) as ex:
            return 400, _error(f"bad request: {ex}"), False
        if self.limit is not None:
            return 429, _error(str(self.limit)), False
        model = get_model(request.get("model")) if _is_role(request.get("model")) \
            else get_model()
        try:
            output = await model.generate(messages, tools, choice, config)
        except LimitExceededError as ex:
            self.limit = ex  # the sample ends with it once the agent stops
            return 429, _error(str(ex)), False
        except Exception as ex:
            return 502, _error(f"{type(ex).__name__}: {ex}"), False
        return 200, completion(output, request.get("model") or model.name), \
            bool(request.get("stream"))

    def _refusal(self, method: str, headers: dict[str, str]
                 ) -> tuple[int, dict[str, Any], bool] | None:
        """401 without the sample's token, 415 for a POST whose body is not JSON."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), self.api_key.encode()):
            return 401, _error("missing or wrong bridge token (Authorization: Bearer ...)"), \
                False
        kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if method == "POST" and kind != "application/json":
            return 415, _error("the body must be application/json"), False
        return None


def parse_request(body: dict[str, Any]
                  ) -> tuple[list[ChatMessageBase], list[ToolInfo], ToolChoice | None,
                             GenerateConfig]:
    """A Chat Completions request body as evalrunner's messages, tools, choice and config."""
    messages = [_message(m) for m in body["messages"]]
    tools = [ToolInfo(name=t["function"]["name"],
                      description=t["function"].get("description", ""),
                      parameters=t["function"].get("parameters")
                      or {"type": "object", "properties": {}})
             for t in body.get("tools") or []]
    choice: ToolChoice | None = None
    raw = body.get("tool_choice")
    if isinstance(raw, str):
        choice = "any" if raw == "required" else raw  # type: ignore[assignment]
    elif isinstance(raw, dict):
        choice = ToolFunction(name=raw["function"]["name"])
    fields = {ours: body[theirs] for theirs, ours in _CONFIG.items()
              if body.get(theirs) is not None}
    if isinstance(fields.get("stop_seqs"), str):
        fields["stop_seqs"] = [fields["stop_seqs"]]
    return messages, tools, choice, GenerateConfig(**fields)


def _message(wire: dict[str, Any]) -> ChatMessageBase:
    role = wire["role"]
    content = wire.get("content")
    if role in ("system", "developer"):
        return ChatMessageSystem(content=_text(content))
    if role == "assistant":
        calls = [_parse_tool_call(c) for c in wire.get("tool_calls") or []]
        return ChatMessageAssistant(content=_text(content), tool_calls=calls or None)
    if role == "tool":
        return ChatMessageTool(content=_text(content), tool_call_id=wire.get("tool_call_id"))
    if isinstance(content, list):
        parts: list[Any] = []
        for part in content:
            if part.get("type") == "text":
                parts.append(ContentText(text=part["text"]))
            elif part.get("type") == "image_url":
                parts.append(ContentImage(image=part["image_url"]["url"]))
        return ChatMessageUser(content=parts)
    return ChatMessageUser(content=_text(content))


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def completion(output: ModelOutput, model: str) -> dict[str, Any]:
    """A ModelOutput as a Chat Completions response."""
    usage = output.usage
    return {
        "id": "chatcmpl-bridge-" + secrets.token_hex(6),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": i, "message": _assistant_message(c.message),
                     "finish_reason": _FINISH.get(c.stop_reason, "stop"), "logprobs": None}
                    for i, c in enumerate(output.choices)],
        "usage": {"prompt_tokens": usage.input_tokens if usage else 0,
                  "completion_tokens": usage.output_tokens if usage else 0,
                  "total_tokens": usage.total_tokens if usage else 0},
    }


def _is_role(name: Any) -> bool:
    from ...model._get import active_roles

    return isinstance(name, str) and name in active_roles.get()


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "bridge_error", "param": None, "code": None}}


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


def _response(status: int, payload: dict[str, Any], stream: bool) -> bytes:
    if stream and status == 200:
        data = _stream(payload)
        kind = "text/event-stream"
    else:
        data = json.dumps(payload).encode()
        kind = "application/json"
    head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            f"Content-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n")
    return head.encode() + data


def _stream(payload: dict[str, Any]) -> bytes:
    """A whole completion as one streamed chunk per choice, then [DONE] (for SDK streaming)."""
    chunks = []
    for choice in payload["choices"]:
        message = dict(choice["message"])
        for i, call in enumerate(message.get("tool_calls") or []):
            call["index"] = i
        delta = {"index": choice["index"], "delta": message,
                 "finish_reason": choice["finish_reason"]}
        chunks.append({**{k: payload[k] for k in ("id", "created", "model")},
                       "object": "chat.completion.chunk", "choices": [delta],
                       "usage": payload["usage"]})
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + \
        b"data: [DONE]\n\n"
