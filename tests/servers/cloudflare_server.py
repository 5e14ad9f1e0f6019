"""A Workers AI server: POST /client/v4/accounts/{account}/ai/run/@cf/{model}."""

from __future__ import annotations

import json
import re
from typing import Any

from ._wire_server import Answer, RecordedRequest, Reply, WireServer, only_keys, require

PATH = re.compile(r"^/client/v4/accounts/([^/]+)/ai/run/(@(?:cf|hf)/.+)$")
BODY_KEYS = {"messages", "max_tokens", "temperature", "top_p", "top_k", "seed",
             "repetition_penalty", "frequency_penalty", "presence_penalty", "tools", "stream",
             "response_format", "raw", "lora"}
RANGES = {"temperature": (0, 5), "top_p": (0, 2), "top_k": (1, 50),
          "frequency_penalty": (-2, 2), "presence_penalty": (-2, 2),
          "repetition_penalty": (0, 2)}


class CloudflareServer(WireServer):
    def __init__(self, account: str = "acct123", **options: Any) -> None:
        super().__init__(**options)
        self.account = account
        self.openai_shape = False  # reply as newer models do, with `choices` in `result`

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/client/v4/accounts"

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        code = {401: 10000, 429: 3040, 400: 5006}.get(status, 3043)
        return Answer(status, {"result": None, "success": False,
                               "errors": [{"code": code, "message": message}], "messages": []})

    def check(self, record: RecordedRequest) -> None:
        match = PATH.match(record.path)
        require(record.method == "POST" and match is not None, "No route for that URI", 404)
        require(match.group(1) == self.account,  # type: ignore[union-attr]
                "Authentication error", 401)
        require(record.headers.get("authorization") == f"Bearer {self.options.api_key}",
                "Authentication error", 401)
        require(isinstance(record.body, dict), "Type mismatch: not JSON")
        check_body(record.body)

    def default_reply(self, body: dict[str, Any]) -> Reply:
        user = [m["content"] for m in body["messages"] if m["role"] == "user"]
        if user and isinstance(user[-1], list):
            return " ".join(p["text"] for p in user[-1] if p["type"] == "text")
        return user[-1] if user else ""

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        spec: dict[str, Any] = (
            {"content": reply} if isinstance(reply, str)
            else {"tool_calls": reply} if isinstance(reply, list) else reply
        )
        usage = {"prompt_tokens": 8, "completion_tokens": 3, "total_tokens": 11}
        if self.openai_shape or spec.get("finish"):
            message: dict[str, Any] = {"role": "assistant", "content": spec.get("content")}
            if spec.get("tool_calls"):
                message["tool_calls"] = [
                    {"id": f"chatcmpl-tool-{i}", "type": "function",
                     "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                    for i, c in enumerate(spec["tool_calls"])
                ]
            finish = spec.get("finish") or ("tool_calls" if spec.get("tool_calls") else "stop")
            result: dict[str, Any] = {
                "id": "chatcmpl-1", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            }
        else:
            result = {"response": spec.get("content"), "usage": usage}
            if spec.get("tool_calls"):
                result["tool_calls"] = [{"name": c["name"], "arguments": c["arguments"]}
                                        for c in spec["tool_calls"]]
        return Answer(200, {"result": result, "success": True, "errors": [], "messages": []})


def check_body(body: dict[str, Any]) -> None:
    only_keys(body, BODY_KEYS, "body")
    for name, (low, high) in RANGES.items():
        if name in body:
            require(isinstance(body[name], int | float) and low <= body[name] <= high,
                    f"Type mismatch of '/{name}', out of range")
    if "max_tokens" in body:
        require(isinstance(body["max_tokens"], int) and body["max_tokens"] >= 1,
                "Type mismatch of '/max_tokens'")
    names = set()
    for tool in body.get("tools") or []:
        only_keys(tool, {"type", "function"}, "tools[]")
        only_keys(tool["function"], {"name", "description", "parameters"}, "tools[].function")
        names.add(tool["function"]["name"])
    messages = body.get("messages")
    require(isinstance(messages, list) and messages, "Required properties missing: messages")
    for i, message in enumerate(messages):
        role = message.get("role")
        require(role in ("system", "user", "assistant", "tool"), f"/messages/{i}/role")
        allowed = {"role", "content"}
        if role == "assistant":
            allowed |= {"tool_calls"}
        if role == "tool":
            allowed |= {"tool_call_id", "name"}
        only_keys(message, allowed, f"/messages/{i}")
        content = message.get("content")
        if role == "user" and isinstance(content, list):  # vision models: text and images
            for part in content:
                only_keys(part, {"type", "text", "image_url"}, f"/messages/{i}/content")
                require(part.get("type") in ("text", "image_url"),
                        f"Type mismatch of '/messages/{i}/content/type'")
                if part["type"] == "image_url":
                    only_keys(part["image_url"], {"url"}, f"/messages/{i}/content/image_url")
                    require(isinstance(part["image_url"].get("url"), str),
                            f"Type mismatch of '/messages/{i}/content/image_url/url'")
        else:
            require(isinstance(content, str),
                    f"Type mismatch of '/messages/{i}/content', 'string' not in 'null'")
        for call in message.get("tool_calls") or []:
            require(call["function"]["name"] in names, "tool call of an unknown tool")
