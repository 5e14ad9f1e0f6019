"""OpenAI's Files and Batch APIs: upload a JSONL file, create a batch, poll it, read results.

Each line of an uploaded file is checked like a direct Chat Completions request (the
same rules as the openai test server). Direct calls to /v1/chat/completions are refused,
so a test can prove that batch mode sends nothing else.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from typing import Any

from ._openai_checks import check_request
from ._wire_server import Answer, RecordedRequest, Reply, WireServer, require


class OpenAIBatchServer(WireServer):
    """OpenAI's routes under /v1; with `azure=True`, Azure OpenAI's: the same routes under
    /openai, the key in `api-key`, an `api-version` query parameter on every call and
    request lines for `/chat/completions`."""

    def __init__(self, azure: bool = False, **options: Any) -> None:
        super().__init__(**options)
        self.azure = azure
        self.prefix = "/openai" if azure else "/v1"
        self.endpoint = "/chat/completions" if azure else "/v1/chat/completions"
        self.batch_polls = 1  # status checks answered "in_progress" before completion
        self.batch_errors = 0  # the next N batched requests fail with a 500 line
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}" + ("" if self.azure else "/v1")

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        return Answer(status, {"error": {"message": message, "type": kind or
                                         "invalid_request_error", "param": None, "code": None}})

    def check(self, record: RecordedRequest) -> None:
        if self.azure:
            require(record.headers.get("api-key") == self.options.api_key,
                    "Access denied due to invalid subscription key", 401)
            require(record.query.get("api-version") == "2024-10-21",
                    "Missing or unsupported api-version", 404)
        else:
            require(record.headers.get("authorization") == f"Bearer {self.options.api_key}",
                    "Incorrect API key provided", 401)
        route = (record.method, _route(record.path, self.prefix))
        require(route in {("POST", "files"), ("POST", "batches"), ("GET", "batch"),
                          ("GET", "content")}, f"Invalid URL ({record.method} {record.path})", 404)
        if route == ("POST", "files"):
            self._check_upload(record)
        elif route == ("POST", "batches"):
            body = record.body
            require(isinstance(body, dict) and set(body) <= {"input_file_id", "endpoint",
                                                             "completion_window", "metadata"},
                    "invalid batch request")
            require(body.get("input_file_id") in self.files, "No such File object")
            require(body.get("endpoint") == self.endpoint, "endpoint: unsupported")
            require(body.get("completion_window") == "24h", "completion_window must be 24h")
        elif route == ("GET", "content"):
            require(record.path.split("/")[3] in self.files, "No such File object", 404)
        elif route == ("GET", "batch"):
            require(record.path.split("/")[3] in self.batches, "No such batch", 404)

    def _check_upload(self, record: RecordedRequest) -> None:
        fields = _multipart(record)
        require(fields.get("purpose") == (None, b"batch"), "purpose must be 'batch'")
        require("file" in fields and fields["file"][0] is not None, "file is required")
        lines = fields["file"][1].decode().splitlines()
        require(lines and all(line.strip() for line in lines), "the file has empty lines")
        ids, models = set(), set()
        for n, line in enumerate(lines, 1):
            item = json.loads(line)
            require(set(item) == {"custom_id", "method", "url", "body"}, f"line {n}: fields")
            require(item["method"] == "POST" and item["url"] == self.endpoint,
                    f"line {n}: method/url")
            require(isinstance(item["custom_id"], str) and item["custom_id"] not in ids,
                    f"line {n}: custom_id missing or repeated")
            ids.add(item["custom_id"])
            problem = check_request(item["body"])
            require(problem is None, f"line {n}: {problem}")
            models.add(item["body"]["model"])
        require(len(models) == 1, "a batch file may use only one model")

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        route = (record.method, _route(record.path, self.prefix))
        if route == ("POST", "files"):
            file_id = f"file-{next(self._ids)}"
            self.files[file_id] = _multipart(record)["file"][1]
            return Answer(200, {"id": file_id, "object": "file", "purpose": "batch",
                                "bytes": len(self.files[file_id]), "filename": "batch.jsonl",
                                "created_at": int(time.time())})
        if route == ("POST", "batches"):
            return Answer(200, self._create(record.body))
        if route == ("GET", "content"):
            return Answer(200, self.files[record.path.split("/")[3]].decode())
        batch = self.batches[record.path.split("/")[3]]
        batch["polls"] += 1
        return Answer(200, self._object(batch))

    def default_reply(self, body: Any) -> Reply:
        return ""  # file and batch routes build their own answers

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"batch_{next(self._ids)}"
        out, errors = [], []
        for line in self.files[body["input_file_id"]].decode().splitlines():
            item = json.loads(line)
            request = item["body"]
            if self.batch_errors > 0:
                self.batch_errors -= 1
                errors.append({"id": f"r{len(errors)}", "custom_id": item["custom_id"],
                               "response": {"status_code": 500, "request_id": "x", "body": {
                                   "error": {"message": "The server had an error"}}},
                               "error": None})
                continue
            reply = (self.options.responder or _echo)(request)
            completion = _completion(request, reply, next(self._ids))
            out.append({"id": f"r{len(out)}", "custom_id": item["custom_id"],
                        "response": {"status_code": 200, "request_id": "x", "body": completion},
                        "error": None})
        batch = {"id": batch_id, "polls": 0, "input_file_id": body["input_file_id"],
                 "total": len(out) + len(errors),
                 "output_file_id": self._store(out), "error_file_id": self._store(errors)}
        self.batches[batch_id] = batch
        return self._object(batch)

    def _store(self, lines: list[dict[str, Any]]) -> str | None:
        if not lines:
            return None
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = ("\n".join(json.dumps(x) for x in lines) + "\n").encode()
        return file_id

    def _object(self, batch: dict[str, Any]) -> dict[str, Any]:
        done = batch["polls"] > self.batch_polls
        return {
            "id": batch["id"], "object": "batch", "endpoint": self.endpoint,
            "errors": None, "input_file_id": batch["input_file_id"],
            "completion_window": "24h", "status": "completed" if done else "in_progress",
            "output_file_id": batch["output_file_id"] if done else None,
            "error_file_id": batch["error_file_id"] if done else None,
            "created_at": 1, "request_counts": {"total": batch["total"],
                                                "completed": batch["total"] if done else 0,
                                                "failed": 0},
        }


def _echo(body: dict[str, Any]) -> str:
    user = [m for m in body["messages"] if m["role"] == "user"]
    content = user[-1]["content"] if user else ""
    return content if isinstance(content, str) else " ".join(
        p["text"] for p in content if p["type"] == "text")


def _completion(body: dict[str, Any], reply: Reply, number: int) -> dict[str, Any]:
    """A chat.completion object for a text reply or a list of tool calls."""
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if isinstance(reply, list):
        message["tool_calls"] = [
            {"id": f"call_{number}_{i}", "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
            for i, c in enumerate(reply)
        ]
    else:
        message["content"] = reply if isinstance(reply, str) else reply.get("content")
    return {
        "id": f"chatcmpl-{number}", "object": "chat.completion", "created": 1,
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if isinstance(reply, list) else "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }


def _route(path: str, prefix: str) -> str:
    if path == f"{prefix}/files":
        return "files"
    if path == f"{prefix}/batches":
        return "batches"
    if re.match(rf"^{prefix}/batches/[^/]+$", path):
        return "batch"
    if re.match(rf"^{prefix}/files/[^/]+/content$", path):
        return "content"
    return ""


def _multipart(record: RecordedRequest) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename, data) of a multipart/form-data body."""
    kind = record.headers.get("content-type", "")
    match = re.match(r"^multipart/form-data; boundary=(.+)$", kind)
    require(match is not None, "expected multipart/form-data")
    boundary = b"--" + match.group(1).strip('"').encode()  # type: ignore[union-attr]
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in record.raw.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        disposition = re.search(rb'name="([^"]+)"(?:; filename="([^"]+)")?', head)
        require(disposition is not None, "malformed multipart part")
        name = disposition.group(1).decode()  # type: ignore[union-attr]
        filename = disposition.group(2)  # type: ignore[union-attr]
        fields[name] = (filename.decode() if filename else None, data.removesuffix(b"\r\n"))
    return fields
