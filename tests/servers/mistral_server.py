"""A Mistral chat completions server (POST /v1/chat/completions), checked as Mistral does."""

from __future__ import annotations

import json
import re
from typing import Any

from ._wire_server import Answer, RecordedRequest, Reply, WireServer, only_keys, require

BODY_KEYS = {"model", "messages", "temperature", "top_p", "max_tokens", "stop", "random_seed",
             "response_format", "tools", "tool_choice", "presence_penalty",
             "frequency_penalty", "n", "safe_prompt", "parallel_tool_calls", "stream",
             "prediction", "prompt_mode"}
MESSAGE_KEYS = {"system": {"role", "content"}, "user": {"role", "content"},
                "assistant": {"role", "content", "tool_calls", "prefix"},
                "tool": {"role", "content", "tool_call_id", "name"}}
TOOL_ID = re.compile(r"^[a-zA-Z0-9]{9}$")


class MistralServer(WireServer):
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        if status == 401:
            return Answer(401, {"message": message, "request_id": "req-1"})
        if status == 422:
            return Answer(422, {"object": "error", "message": {"detail": [
                {"type": "invalid", "loc": ["body"], "msg": message}]},
                "type": "invalid_request_error", "param": None, "code": None})
        return Answer(status, {"object": "error", "message": message,
                               "type": kind or "invalid_request_error", "param": None,
                               "code": str(status)})

    def check(self, record: RecordedRequest) -> None:
        require(record.method == "POST" and record.path == "/v1/chat/completions",
                "Not Found", 404)
        require(record.headers.get("authorization") == f"Bearer {self.options.api_key}",
                "Unauthorized", 401)
        require(isinstance(record.body, dict), "Invalid JSON", 422)
        check_body(record.body)

    def default_reply(self, body: dict[str, Any]) -> Reply:
        user = [m for m in body["messages"] if m["role"] == "user"]
        content = user[-1]["content"] if user else ""
        return content if isinstance(content, str) else " ".join(
            c["text"] for c in content if c["type"] == "text")

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        spec: dict[str, Any] = (
            {"content": reply} if isinstance(reply, str)
            else {"tool_calls": reply} if isinstance(reply, list) else reply
        )
        content: Any = spec.get("content") or ""
        if spec.get("chunks"):
            content = [{"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
                       {"type": "text", "text": spec["content"]}]
        message: dict[str, Any] = {"role": "assistant", "content": content, "prefix": False}
        calls = spec.get("tool_calls")
        if calls:
            message["tool_calls"] = [
                {"id": call.get("id") or f"abc{self.counter:03d}{i:03d}", "type": "function",
                 "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
                 "index": i}
                for i, call in enumerate(calls)
            ]
        finish = spec.get("finish") or ("tool_calls" if calls else "stop")
        body = record.body
        return Answer(200, {
            "id": f"cmpl-{self.counter}", "object": "chat.completion", "created": 1,
            "model": body["model"],
            "choices": [{"index": i, "message": message, "finish_reason": finish}
                        for i in range(body.get("n") or 1)],
            "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
        })


def check_body(body: dict[str, Any]) -> None:
    extra = sorted(set(body) - BODY_KEYS)
    require(not extra, f"Extra inputs are not permitted: {extra[:1]}", 422)
    require(isinstance(body.get("model"), str), "model: Field required", 422)
    for name, low, high in (("temperature", 0, 1.5), ("top_p", 0, 1),
                            ("presence_penalty", -2, 2), ("frequency_penalty", -2, 2)):
        if name in body:
            require(isinstance(body[name], int | float) and low <= body[name] <= high,
                    f"{name}: Input should be between {low} and {high}", 422)
    for name in ("max_tokens", "random_seed", "n"):
        if name in body:
            require(isinstance(body[name], int) and body[name] >= 0, f"{name}: integer", 422)
    _check_tools(body)
    _check_messages(body.get("messages"))


def _check_tools(body: dict[str, Any]) -> None:
    tools = body.get("tools")
    if tools is None:
        return
    for tool in tools:
        only_keys(tool, {"type", "function"}, "tools[]")
        only_keys(tool["function"], {"name", "description", "parameters", "strict"},
                  "tools[].function")
    choice = body.get("tool_choice")
    if choice is not None and not isinstance(choice, str):
        only_keys(choice, {"type", "function"}, "tool_choice")
    else:
        require(choice in (None, "auto", "none", "any", "required"), "tool_choice: invalid", 422)


def _check_messages(messages: Any) -> None:
    require(isinstance(messages, list) and messages, "messages: Field required", 422)
    ids: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        require(role in MESSAGE_KEYS, f"messages.{i}.role: invalid", 422)
        # Mistral wants the assistant's turn between a tool result and the next user turn.
        require(not (role == "user" and i and messages[i - 1].get("role") == "tool"),
                "Unexpected role 'user' after role 'tool'", 400)
        extra = sorted(set(message) - MESSAGE_KEYS[role])
        require(not extra, f"messages.{i}: Extra inputs are not permitted: {extra[:1]}", 422)
        content = message.get("content")
        require(isinstance(content, str | list) or (role == "assistant" and content is None),
                f"messages.{i}.content: invalid", 422)
        if isinstance(content, list):
            for chunk in content:
                require(isinstance(chunk, dict) and chunk.get("type") in ("text", "image_url"),
                        f"messages.{i}.content: chunk type", 422)
                if chunk["type"] == "image_url":  # a URL, or {url, detail}
                    url = chunk.get("image_url")
                    if isinstance(url, dict):
                        only_keys(url, {"url", "detail"}, f"messages.{i}.content.image_url")
                        url = url.get("url")
                    require(isinstance(url, str), f"messages.{i}.content: image_url", 422)
        for call in message.get("tool_calls") or []:
            require(TOOL_ID.match(call.get("id", "")) is not None,
                    "Tool call id has to be a string of length 9 made of a-z, A-Z, 0-9", 400)
            ids.add(call["id"])
        if role == "tool":
            require(message.get("tool_call_id") in ids,
                    f"messages.{i}: tool_call_id does not match any tool call", 400)
