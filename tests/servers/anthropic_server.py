"""A Messages API (and Message Batches API) server that checks requests as Anthropic does.

    with AnthropicServer(api_key=KEY) as server:
        os.environ["ANTHROPIC_BASE_URL"] = server.url
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from ._wire_server import (
    Answer,
    RecordedRequest,
    Rejection,
    Reply,
    WireServer,
    only_keys,
    require,
)

VERSION = "2023-06-01"
BODY_KEYS = {"model", "messages", "max_tokens", "system", "temperature", "top_p", "top_k",
             "stop_sequences", "tools", "tool_choice", "thinking", "metadata", "stream",
             "service_tier"}
MEDIA_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
SERVER_TOOLS = {"web_search_20250305": "web_search", "code_execution_20250825": "code_execution"}
# The beta header a request offering a server tool must send.
SERVER_TOOL_BETAS = {"code_execution_20250825": "code-execution-2025-08-25",
                     "computer_20250124": "computer-use-2025-01-24"}
# Anthropic-defined tools the client runs (computer use): the type, its name and its keys.
CLIENT_TOOLS = {"computer_20250124": ("computer", {
    "type", "name", "display_width_px", "display_height_px", "display_number", "cache_control"})}
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
KINDS = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
         429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


class AnthropicServer(WireServer):
    """Checks /v1/messages requests; also runs message batches (see `batch_polls`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.batch_polls = 1  # status checks answered "in_progress" before a batch ends
        self.batch_errors = 0  # the next N batched requests end as `overloaded_error`
        self.batches: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        kind = KINDS.get(status, "api_error")
        return Answer(status, {"type": "error", "error": {"type": kind, "message": message}})

    def check(self, record: RecordedRequest) -> None:
        require(record.headers.get("x-api-key") == self.options.api_key,
                "invalid x-api-key", 401)
        require(record.headers.get("anthropic-version") == VERSION,
                "anthropic-version header is required")
        if record.method == "GET":
            require(record.path.startswith("/v1/messages/batches/"), "not found", 404)
            return
        require(record.method == "POST", "method not allowed", 404)
        require(record.headers.get("content-type") == "application/json",
                "content-type must be application/json")
        require(isinstance(record.body, dict), "the body is not valid JSON")
        if record.path == "/v1/messages/batches":
            check_batch(record.body)
            for request in record.body.get("requests") or []:
                _check_betas(record, request.get("params") or {})
        else:
            require(record.path == "/v1/messages", f"not found: {record.path}", 404)
            check_body(record.body)
            _check_betas(record, record.body)

    async def handle(self, record: RecordedRequest) -> Answer:
        if not record.path.startswith("/v1/messages/batches"):
            return await super().handle(record)
        try:
            self.check(record)
        except Rejection as ex:
            record.rejected, record.error = True, str(ex)
            return self.error(ex.status, str(ex))
        return self.batch_api(record)

    def default_reply(self, body: dict[str, Any]) -> Reply:
        return _last_user_text(body)

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        return Answer(200, self.message(record.body, reply))

    def message(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        number = next(self._ids)
        spec: dict[str, Any] = (
            {"content": reply} if isinstance(reply, str)
            else {"tool_calls": reply} if isinstance(reply, list) else reply
        )
        content: list[dict[str, Any]] = []
        if spec.get("thinking"):
            content.append({"type": "thinking", "thinking": spec["thinking"], "signature": "sig"})
        if spec.get("search"):
            content.append({"type": "server_tool_use", "id": f"srvtoolu_{number}",
                            "name": "web_search", "input": {"query": spec["search"]}})
            content.append({"type": "web_search_tool_result", "tool_use_id": f"srvtoolu_{number}",
                            "content": [{"type": "web_search_result", "title": "Result",
                                         "url": "https://example.com/", "page_age": None,
                                         "encrypted_content": "enc"}]})
        if spec.get("code"):  # the code execution tool ran a command on Anthropic's side
            content.append({"type": "server_tool_use", "id": f"srvtoolu_c{number}",
                            "name": "bash_code_execution", "input": {"command": spec["code"]}})
            content.append({"type": "bash_code_execution_tool_result",
                            "tool_use_id": f"srvtoolu_c{number}",
                            "content": {"type": "bash_code_execution_result",
                                        "stdout": spec.get("stdout", ""), "stderr": "",
                                        "return_code": 0, "content": []}})
        if spec.get("content"):
            content.append({"type": "text", "text": spec["content"]})
        for i, call in enumerate(spec.get("tool_calls") or []):
            content.append({"type": "tool_use", "id": call.get("id") or f"toolu_{number}_{i}",
                            "name": call["name"], "input": call["arguments"]})
        stop = spec.get("stop") or ("tool_use" if spec.get("tool_calls") else "end_turn")
        words = len(json.dumps(body["messages"]).split())
        return {
            "id": f"msg_{number:04d}", "type": "message", "role": "assistant",
            "model": body["model"], "content": content, "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": words, "output_tokens": len(str(spec.get("content")).split()),
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 2},
        }

    # -- message batches --------------------------------------------------------------

    def batch_api(self, record: RecordedRequest) -> Answer:
        if record.method == "POST":
            return Answer(200, self._create_batch(record.body["requests"]))
        batch_id, _, tail = record.path.removeprefix("/v1/messages/batches/").partition("/")
        batch = self.batches.get(batch_id)
        if batch is None:
            record.rejected = True
            return self.error(404, f"no batch {batch_id}")
        if tail == "results":
            lines = [json.dumps(r) for r in batch["results"]]
            return Answer(200, "\n".join(lines) + "\n", {"Content-Type": "application/x-jsonl"})
        batch["polls"] += 1
        return Answer(200, self._batch_object(batch))

    def _create_batch(self, requests: list[dict[str, Any]]) -> dict[str, Any]:
        batch_id = f"msgbatch_{next(self._ids):04d}"
        results = []
        for item in requests:
            results.append({"custom_id": item["custom_id"], "result": self._run(item["params"])})
        self.batches[batch_id] = {"id": batch_id, "results": results, "polls": 0}
        return self._batch_object(self.batches[batch_id])

    def _run(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            check_body(params)
        except Rejection as ex:
            # The API checks each request's params when it processes the batch.
            self.requests[-1].rejected = True
            return {"type": "errored", "error": {"type": "error", "error": {
                "type": "invalid_request_error", "message": str(ex)}}}
        if self.batch_errors > 0:
            self.batch_errors -= 1
            return {"type": "errored", "error": {"type": "error", "error": {
                "type": "overloaded_error", "message": "Overloaded"}}}
        reply = (self.options.responder or self.default_reply)(params)
        return {"type": "succeeded", "message": self.message(params, reply)}

    def _batch_object(self, batch: dict[str, Any]) -> dict[str, Any]:
        ended = batch["polls"] > self.batch_polls
        counts = {"processing": 0 if ended else len(batch["results"]), "succeeded": 0,
                  "errored": 0, "canceled": 0, "expired": 0}
        if ended:
            for result in batch["results"]:
                counts[result["result"]["type"]] += 1
        return {
            "id": batch["id"], "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts, "created_at": "2025-01-01T00:00:00Z",
            "expires_at": "2025-01-02T00:00:00Z", "ended_at": "2025-01-01T00:01:00Z" if ended
            else None, "cancel_initiated_at": None, "archived_at": None,
            "results_url": f"{self.url}/v1/messages/batches/{batch['id']}/results" if ended
            else None,
        }


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if message["role"] == "user":
            content = message["content"]
            if isinstance(content, str):
                return content
            return " ".join(b["text"] for b in content if b["type"] == "text")
    return ""


def check_batch(body: dict[str, Any]) -> None:
    only_keys(body, {"requests"}, "body")
    requests = body["requests"]
    require(isinstance(requests, list) and 0 < len(requests) <= 100_000,
            "requests: expected 1 to 100000 items")
    seen: set[str] = set()
    for item in requests:
        only_keys(item, {"custom_id", "params"}, "requests[]")
        cid = item.get("custom_id")
        require(isinstance(cid, str) and CUSTOM_ID.match(cid) is not None and cid not in seen,
                f"custom_id {cid!r} is invalid or repeated")
        seen.add(cid)
        require(isinstance(item.get("params"), dict), "requests[].params: expected an object")


def check_body(body: dict[str, Any]) -> None:
    """Raise Rejection for a Messages body the API would refuse with 400."""
    only_keys(body, BODY_KEYS, "body")
    require(isinstance(body.get("model"), str) and body["model"] != "", "model: Field required")
    max_tokens = body.get("max_tokens")
    require(isinstance(max_tokens, int) and max_tokens >= 1, "max_tokens: Field required")
    _check_sampling(body)
    names = _check_tools(body)
    _check_system(body.get("system"))
    _check_messages(body.get("messages"), names)
    if body.get("thinking"):
        _check_thinking_turn(body["messages"])


def _check_thinking_turn(messages: list[dict[str, Any]]) -> None:
    """With thinking on, the assistant turn whose tool calls are being answered must start
    with its thinking block, sent back unchanged (the API's 400 otherwise)."""
    if len(messages) < 2 or messages[-2]["role"] != "assistant":
        return
    blocks = messages[-2]["content"]
    if isinstance(blocks, str) or not any(b.get("type") == "tool_use" for b in blocks):
        return
    require(blocks[0].get("type") in ("thinking", "redacted_thinking"),
            f"messages.{len(messages) - 2}.content.0.type: Expected `thinking` or "
            "`redacted_thinking`, but found "
            f"`{blocks[0].get('type')}`. When `thinking` is enabled, a final `assistant` "
            "message must start with a thinking block.")


def _check_sampling(body: dict[str, Any]) -> None:
    for name, high in (("temperature", 1.0), ("top_p", 1.0)):
        if name in body:
            value = body[name]
            require(isinstance(value, int | float) and 0 <= value <= high,
                    f"{name}: Input should be between 0 and {high}")
    if "top_k" in body:
        require(isinstance(body["top_k"], int) and body["top_k"] >= 0, "top_k: invalid")
    stops = body.get("stop_sequences")
    if stops is not None:
        require(isinstance(stops, list) and all(isinstance(s, str) and s for s in stops),
                "stop_sequences: expected a list of strings")
    thinking = body.get("thinking")
    if thinking is not None:
        only_keys(thinking, {"type", "budget_tokens"}, "thinking")
        budget = thinking.get("budget_tokens")
        require(thinking.get("type") == "enabled" and isinstance(budget, int) and budget >= 1024,
                "thinking.budget_tokens: must be at least 1024")
        require(budget < body["max_tokens"],
                "max_tokens must be greater than thinking.budget_tokens")
        require("temperature" not in body and "top_k" not in body,
                "temperature and top_k may not be set when thinking is enabled")


def _check_tools(body: dict[str, Any]) -> set[str]:
    tools = body.get("tools")
    if tools is None:
        require("tool_choice" not in body, "tool_choice may only be specified with tools")
        return set()
    require(isinstance(tools, list), "tools: expected a list")
    names: set[str] = set()
    for tool in tools:
        if isinstance(tool, dict) and tool.get("type") in SERVER_TOOLS:
            # Anthropic's own tools (web search) run on Anthropic's side.
            only_keys(tool, {"type", "name", "max_uses", "allowed_domains", "blocked_domains",
                             "user_location", "cache_control"}, "tools[]")
            require(tool.get("name") == SERVER_TOOLS[tool["type"]],
                    f"tools[]: {tool['type']} must be named {SERVER_TOOLS[tool['type']]}")
            require(tool["name"] not in names, "tools: repeated name")
            names.add(tool["name"])
            continue
        if isinstance(tool, dict) and tool.get("type") in CLIENT_TOOLS:
            name, keys = CLIENT_TOOLS[tool["type"]]
            only_keys(tool, keys, "tools[]")
            require(tool.get("name") == name, f"tools[]: {tool['type']} must be named {name}")
            require(all(isinstance(tool.get(k), int) and tool[k] > 0
                        for k in ("display_width_px", "display_height_px")),
                    f"tools[]: {tool['type']} needs display_width_px and display_height_px")
            require(name not in names, "tools: repeated name")
            names.add(name)
            continue
        only_keys(tool, {"name", "description", "input_schema", "cache_control"}, "tools[]")
        name = tool.get("name")
        require(isinstance(name, str) and TOOL_NAME.match(name) is not None and name not in names,
                f"tools: invalid or repeated name {name!r}")
        schema = tool.get("input_schema")
        require(isinstance(schema, dict) and schema.get("type") == "object",
                "tools[].input_schema: type must be 'object'")
        names.add(name)
    choice = body.get("tool_choice")
    if choice is not None:
        only_keys(choice, {"type", "name", "disable_parallel_tool_use"}, "tool_choice")
        kind = choice.get("type")
        require(kind in ("auto", "any", "tool", "none"), f"tool_choice.type: invalid {kind!r}")
        require((kind == "tool") == ("name" in choice), "tool_choice.name goes with type 'tool'")
        require(kind != "tool" or choice["name"] in names, "tool_choice.name: unknown tool")
        require(kind != "none" or "disable_parallel_tool_use" not in choice,
                "disable_parallel_tool_use is not allowed with type 'none'")
    return names


def _check_system(system: Any) -> None:
    if system is None or isinstance(system, str):
        return
    require(isinstance(system, list), "system: expected a string or a list of text blocks")
    for block in system:
        only_keys(block, {"type", "text", "cache_control"}, "system[]")
        require(block.get("type") == "text" and isinstance(block.get("text"), str),
                "system[]: expected text blocks")


def _check_messages(messages: Any, names: set[str]) -> None:
    require(isinstance(messages, list) and len(messages) > 0, "messages: at least one message")
    require(messages[0].get("role") == "user", "messages: the first message must use the user role")
    pending: set[str] = set()
    for i, message in enumerate(messages):
        where = f"messages.{i}"
        only_keys(message, {"role", "content"}, where)
        role = message.get("role")
        require(role in ("user", "assistant"),
                f"{where}.role: Input should be 'user' or 'assistant'")
        require(i == 0 or messages[i - 1]["role"] != role, f"{where}: roles must alternate")
        content = message.get("content")
        if isinstance(content, str):
            require(content.strip() != "" or i == len(messages) - 1,
                    f"{where}: messages must have non-empty content")
            require(not pending, f"{where}: tool_use ids were found without tool_result blocks "
                    "immediately after")
            continue
        require(isinstance(content, list) and content, f"{where}.content: expected blocks")
        pending = _check_blocks(role, content, pending, names, where)
    require(not pending, "tool_use ids were found without tool_result blocks immediately after")


def _check_blocks(
    role: str, blocks: list[Any], pending: set[str], names: set[str], where: str
) -> set[str]:
    answered: set[str] = set()
    seen_other = False
    issued: set[str] = set()
    for j, block in enumerate(blocks):
        at = f"{where}.content.{j}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_result":
            require(role == "user" and not seen_other,
                    f"{at}: tool_result blocks must come first in a user message")
            only_keys(block, {"type", "tool_use_id", "content", "is_error", "cache_control"}, at)
            require(block.get("tool_use_id") in pending,
                    f"{at}: unexpected tool_use_id found in tool_result blocks")
            answered.add(block["tool_use_id"])
            content = block.get("content")
            require(content is None or isinstance(content, str | list), f"{at}.content: invalid")
            for k, inner in enumerate(content if isinstance(content, list) else []):
                kind = inner.get("type") if isinstance(inner, dict) else None
                require(kind in ("text", "image"), f"{at}.content.{k}.type: invalid {kind!r}")
                _check_block("user", kind, inner, names, f"{at}.content.{k}", set())
            require(isinstance(block.get("is_error", False), bool), f"{at}.is_error: boolean")
            continue
        seen_other = True
        _check_block(role, kind, block, names, at, issued)
    require(answered == pending, f"{where}: tool_use ids were found without tool_result blocks "
            "immediately after")
    return issued


def _check_block(
    role: str, kind: Any, block: dict[str, Any], names: set[str], at: str, issued: set[str]
) -> None:
    if kind == "text":
        only_keys(block, {"type", "text", "cache_control", "citations"}, at)
        require(isinstance(block.get("text"), str) and block["text"].strip() != "",
                f"{at}: text content blocks must be non-empty")
    elif kind == "image":
        require(role == "user", f"{at}: images are only allowed in user messages")
        only_keys(block, {"type", "source", "cache_control"}, at)
        _check_image(block.get("source"), at)
    elif kind == "thinking":
        require(role == "assistant", f"{at}: thinking is only allowed in assistant messages")
        only_keys(block, {"type", "thinking", "signature"}, at)
        require(isinstance(block.get("thinking"), str), f"{at}.thinking: required")
        require(isinstance(block.get("signature"), str) and block["signature"] != "",
                f"{at}.signature: Field required")
    elif kind == "redacted_thinking":
        require(role == "assistant", f"{at}: thinking is only allowed in assistant messages")
        only_keys(block, {"type", "data"}, at)
        require(isinstance(block.get("data"), str) and block["data"] != "", f"{at}.data: required")
    elif kind == "tool_use":
        require(role == "assistant", f"{at}: tool_use is only allowed in assistant messages")
        only_keys(block, {"type", "id", "name", "input", "cache_control"}, at)
        require(isinstance(block.get("id"), str) and block["id"] != "", f"{at}.id: required")
        require(block.get("name") in names, f"{at}.name: tool not in tools")
        require(isinstance(block.get("input"), dict), f"{at}.input: expected an object")
        issued.add(block["id"])
    else:
        raise Rejection(400, f"{at}.type: unknown block type {kind!r}")


def _check_image(source: Any, at: str) -> None:
    require(isinstance(source, dict), f"{at}.source: expected an object")
    if source.get("type") == "base64":
        only_keys(source, {"type", "media_type", "data"}, f"{at}.source")
        require(source.get("media_type") in MEDIA_TYPES, f"{at}.source.media_type: invalid")
        require(isinstance(source.get("data"), str) and source["data"] != "",
                f"{at}.source.data: required")
    else:
        only_keys(source, {"type", "url"}, f"{at}.source")
        require(source.get("type") == "url" and str(source.get("url")).startswith("http"),
                f"{at}.source: expected base64 or url")


def _check_betas(record: RecordedRequest, body: dict[str, Any]) -> None:
    """A server tool offered needs its beta in the request's anthropic-beta header."""
    betas = record.headers.get("anthropic-beta", "").split(",")
    for tool in body.get("tools") or []:
        beta = SERVER_TOOL_BETAS.get(tool.get("type", ""))
        require(beta is None or beta in betas,
                f"{tool.get('type')} requires the anthropic-beta header {beta}")
