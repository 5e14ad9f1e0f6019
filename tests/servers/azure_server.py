"""Azure servers: the Azure AI Model Inference API and Azure OpenAI's deployments API.

Both take Chat Completions bodies (checked with the OpenAI rules) under Azure's own
paths, `api-version` query and `api-key` header, and both refuse a filtered prompt with
HTTP 400 and error code `content_filter`.
"""

from __future__ import annotations

import re
import time
from typing import Any

from ._openai_checks import check_request
from ._wire_server import Answer, RecordedRequest, Reply, WireServer, require

INFERENCE_KEYS = {"messages", "model", "max_tokens", "temperature", "top_p", "stop", "seed",
                  "frequency_penalty", "presence_penalty", "tools", "tool_choice",
                  "response_format", "modalities", "stream"}
DEPLOYMENT = re.compile(r"^/openai/deployments/([^/]+)/chat/completions$")


class _AzureChat(WireServer):
    """What both Azure APIs share: the error shape and the reply."""

    api_version = ""

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        code = kind or {401: "401", 429: "429"}.get(status, "BadRequest")
        error: dict[str, Any] = {"code": code, "message": message, "status": status}
        if kind == "content_filter":
            error["innererror"] = {"code": "ResponsibleAIPolicyViolation",
                                   "content_filter_result": {"hate": {"filtered": True,
                                                                      "severity": "high"}}}
        return Answer(status, {"error": error})

    def check_auth_and_version(self, record: RecordedRequest) -> None:
        require(record.headers.get("api-key") == self.options.api_key,
                "Access denied due to invalid subscription key or wrong API endpoint.", 401)
        require(record.query.get("api-version") == self.api_version,
                f"Unsupported api-version {record.query.get('api-version')!r}", 404)

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
        if spec.get("filter_prompt"):
            return self.error(400, "The response was filtered due to the prompt triggering "
                              "Azure OpenAI's content management policy.", "content_filter")
        message: dict[str, Any] = {"role": "assistant", "content": spec.get("content")}
        if spec.get("tool_calls"):
            import json

            message["tool_calls"] = [
                {"id": f"call_{self.counter}_{i}", "type": "function",
                 "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                for i, c in enumerate(spec["tool_calls"])
            ]
        finish = spec.get("finish") or ("tool_calls" if spec.get("tool_calls") else "stop")
        return Answer(200, {
            "id": f"chatcmpl-{self.counter}", "object": "chat.completion",
            "created": int(time.time()), "model": record.body.get("model") or "deployment",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
        })


class AzureAIServer(_AzureChat):
    """POST {base}/chat/completions?api-version=2024-05-01-preview (Model Inference)."""

    api_version = "2024-05-01-preview"

    def check(self, record: RecordedRequest) -> None:
        require(record.method == "POST" and record.path == "/models/chat/completions",
                "Resource not found", 404)
        require(record.headers.get("authorization") == f"Bearer {self.options.api_key}",
                "Bearer token mismatch", 401)
        self.check_auth_and_version(record)
        body = record.body
        require(isinstance(body, dict), "Invalid JSON")
        extra = sorted(set(body) - INFERENCE_KEYS)
        passthrough = record.headers.get("extra-parameters") == "pass-through"
        require(not extra or passthrough,
                f"Extra parameter '{extra[0] if extra else ''}' is not permitted", 422)
        core = {k: v for k, v in body.items() if k in INFERENCE_KEYS}
        core.setdefault("model", "deployment")
        problem = check_request(core)
        require(problem is None, str(problem))

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/models"


class AzureOpenAIServer(_AzureChat):
    """POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=..."""

    api_version = "2024-10-21"

    def check(self, record: RecordedRequest) -> None:
        require(record.method == "POST" and DEPLOYMENT.match(record.path) is not None,
                "Resource not found", 404)
        require("authorization" not in record.headers,
                "send the key as api-key, not as a bearer token", 401)
        self.check_auth_and_version(record)
        require(isinstance(record.body, dict), "Invalid JSON")
        problem = check_request(record.body)
        require(problem is None, str(problem))
