"""An OpenAI Responses API server (`POST /v1/responses`) that checks requests as OpenAI does.

Stateless use only, as evalrunner sends it: `store: false`, the whole conversation as
input items, function calls answered by `function_call_output` items with the same
`call_id`, reasoning items sent back with their encrypted content.

    with ResponsesServer() as server:
        os.environ["OPENAI_BASE_URL"] = server.url   # .../v1
        server.options.responder = lambda body: {"content": "4", "reasoning": "2 + 2"}

A reply is text, a list of function calls ({"name", "arguments"}), or a dict with
`content`, `tool_calls`, `reasoning` (a summary: a reasoning item is added), `search`
(a query: a web_search_call item is added) and `status` ("incomplete": max tokens hit).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from ._wire_server import Answer, RecordedRequest, Reply, WireServer, only_keys, require

BODY_KEYS = {"model", "input", "instructions", "store", "temperature", "top_p", "top_logprobs",
             "max_output_tokens", "reasoning", "include", "tools", "tool_choice",
             "parallel_tool_calls", "metadata", "text", "truncation", "user", "service_tier"}
INPUT_PARTS = {"input_text": {"type", "text"}, "input_image": {"type", "image_url", "detail"},
               "input_file": {"type", "file_data", "filename", "file_id"}}
EFFORTS = {"none", "minimal", "low", "medium", "high", "xhigh"}
NATIVE_TOOLS = {"web_search", "web_search_preview", "code_interpreter"}


class ResponsesServer(WireServer):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._ids = itertools.count(1)

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def check(self, record: RecordedRequest) -> None:
        require(record.headers.get("authorization") == f"Bearer {self.options.api_key}",
                "Incorrect API key provided", 401, "invalid_api_key")
        require(record.method == "POST" and record.path == "/v1/responses",
                f"not found: {record.method} {record.path}", 404)
        require(isinstance(record.body, dict), "the body is not valid JSON")
        check_body(record.body)

    def default_reply(self, body: dict[str, Any]) -> Reply:
        return "ok"

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        return Answer(200, self.response(record.body, reply))

    def response(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        number = next(self._ids)
        spec: dict[str, Any] = (
            {"content": reply} if isinstance(reply, str)
            else {"tool_calls": reply} if isinstance(reply, list) else reply
        )
        output: list[dict[str, Any]] = []
        if spec.get("reasoning") is not None:
            item = {"type": "reasoning", "id": f"rs_{number}",
                    "summary": [{"type": "summary_text", "text": spec["reasoning"]}]}
            if "reasoning.encrypted_content" in (body.get("include") or []):
                item["encrypted_content"] = f"enc-{number}"
            output.append(item)
        if spec.get("search"):
            output.append({"type": "web_search_call", "id": f"ws_{number}",
                           "status": "completed",
                           "action": {"type": "search", "query": spec["search"]}})
        if spec.get("code"):
            output.append({"type": "code_interpreter_call", "id": f"ci_{number}",
                           "status": "completed", "code": spec["code"],
                           "container_id": f"cntr_{number}", "outputs": None})
        if spec.get("content"):
            output.append({"type": "message", "id": f"msg_{number}", "role": "assistant",
                           "status": "completed",
                           "content": [{"type": "output_text", "text": spec["content"],
                                        "annotations": []}]})
        for i, action in enumerate(spec.get("computer") or []):  # computer use's actions
            output.append({"type": "computer_call", "id": f"cu_{number}_{i}",
                           "call_id": f"call_cu_{number}_{i}", "action": action,
                           "pending_safety_checks": [], "status": "completed"})
        for i, call in enumerate(spec.get("tool_calls") or []):
            arguments = call["arguments"]
            output.append({"type": "function_call", "id": f"fc_{number}_{i}",
                           "call_id": call.get("id") or f"call_{number}_{i}",
                           "name": call["name"], "status": "completed",
                           "arguments": arguments if isinstance(arguments, str)
                           else json.dumps(arguments)})
        status = spec.get("status", "completed")
        words = len(json.dumps(body["input"]).split())
        return {
            "id": f"resp_{number}", "object": "response", "created_at": 1700000000,
            "status": status, "model": body["model"], "output": output, "error": None,
            "incomplete_details": {"reason": "max_output_tokens"}
            if status == "incomplete" else None,
            "usage": {"input_tokens": words, "output_tokens": 5, "total_tokens": words + 5,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}},
        }


def check_body(body: dict[str, Any]) -> None:
    """Raise Rejection for a Responses body the API would refuse with 400."""
    only_keys(body, BODY_KEYS, "body")
    require(isinstance(body.get("model"), str) and body["model"] != "", "model: required")
    require(body.get("store") is False, "evalrunner sends stateless requests: store must be false")
    require("messages" not in body, "unknown parameter: 'messages' (use input)")
    if "max_output_tokens" in body:
        require(isinstance(body["max_output_tokens"], int) and body["max_output_tokens"] >= 16,
                "max_output_tokens: must be at least 16")
    reasoning = body.get("reasoning")
    if reasoning is not None:
        only_keys(reasoning, {"effort", "summary"}, "reasoning")
        require(reasoning.get("effort", "medium") in EFFORTS, "reasoning.effort: invalid")
        require(reasoning.get("summary", "auto") in ("auto", "concise", "detailed"),
                "reasoning.summary: invalid")
    include = body.get("include")
    if include is not None:
        require(isinstance(include, list) and set(include) <= {"reasoning.encrypted_content",
                "web_search_call.action.sources", "message.output_text.logprobs"},
                "include: invalid value")
    names = _check_tools(body)
    _check_input(body.get("input"), names, include or [])


def _check_tools(body: dict[str, Any]) -> set[str]:
    tools = body.get("tools")
    if tools is None:
        require("tool_choice" not in body, "tool_choice requires tools")
        return set()
    require(isinstance(tools, list), "tools: expected an array")
    names: set[str] = set()
    for tool in tools:
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind == "computer_use_preview":
            only_keys(tool, {"type", "display_width", "display_height", "environment"},
                      "tools[]")
            require(str(body.get("model")).startswith("computer-use-preview"),
                    "The model does not support the computer_use_preview tool")
            require(body.get("truncation") == "auto",
                    "truncation must be 'auto' with the computer_use_preview tool")
            require(tool.get("environment") in ("browser", "mac", "windows", "ubuntu", "linux"),
                    "tools[].environment: invalid")
            require(all(isinstance(tool.get(k), int) for k in ("display_width",
                                                                "display_height")),
                    "tools[]: display_width and display_height are required")
            names.add("computer_use_preview")
            continue
        if kind == "code_interpreter":
            only_keys(tool, {"type", "container"}, "tools[]")
            container = tool.get("container")
            require(isinstance(container, str) or (
                isinstance(container, dict) and container.get("type") == "auto"),
                "tools[].container: required, an id or {type: auto}")
            continue
        if kind in NATIVE_TOOLS:
            only_keys(tool, {"type", "search_context_size", "user_location", "filters"},
                      "tools[]")
            continue
        require(kind == "function", f"tools[].type: unknown tool type {kind!r}")
        only_keys(tool, {"type", "name", "description", "parameters", "strict"}, "tools[]")
        require(isinstance(tool.get("name"), str) and tool["name"] not in names,
                "tools[].name: missing or repeated")
        require(isinstance(tool.get("parameters"), dict), "tools[].parameters: required")
        names.add(tool["name"])
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        only_keys(choice, {"type", "name"}, "tool_choice")
        require(choice.get("type") == "function" and choice.get("name") in names,
                "tool_choice: unknown function")
    elif choice is not None:
        require(choice in ("auto", "none", "required"), "tool_choice: invalid")
    return names


def _check_input(items: Any, names: set[str], include: list[str]) -> None:
    require(isinstance(items, str | list) and items != [], "input: required")
    if isinstance(items, str):
        return
    pending: set[str] = set()
    for i, item in enumerate(items):
        at = f"input[{i}]"
        require(isinstance(item, dict), f"{at}: expected an object")
        kind = item.get("type", "message")
        if kind == "message":
            _check_message(item, at)
        elif kind == "function_call":
            only_keys(item, {"type", "call_id", "name", "arguments", "id", "status"}, at)
            require(item.get("name") in names, f"{at}.name: not a function in tools")
            require(isinstance(item.get("arguments"), str), f"{at}.arguments: expected a string")
            json.loads(item["arguments"])
            pending.add(item["call_id"])
        elif kind == "computer_call":
            only_keys(item, {"type", "id", "call_id", "action", "pending_safety_checks",
                             "status"}, at)
            require("computer_use_preview" in names, f"{at}: computer_call without the tool")
            require(isinstance(item.get("action"), dict) and str(item.get("id")).startswith(
                "cu_"), f"{at}: a computer_call goes back as it came (id, action)")
            pending.add(item["call_id"])
        elif kind == "computer_call_output":
            only_keys(item, {"type", "call_id", "output", "acknowledged_safety_checks", "id",
                             "status"}, at)
            require(item.get("call_id") in pending,
                    f"{at}: no computer call found with call_id {item.get('call_id')}")
            shot = item.get("output")
            require(isinstance(shot, dict) and shot.get("type") == "computer_screenshot"
                    and str(shot.get("image_url")).startswith("data:image/"),
                    f"{at}.output: expected a computer_screenshot with an image_url")
            pending.discard(item["call_id"])
        elif kind == "function_call_output":
            only_keys(item, {"type", "call_id", "output", "id", "status"}, at)
            require(item.get("call_id") in pending,
                    f"{at}: no tool call found for function call output with call_id "
                    f"{item.get('call_id')}")
            _check_output(item.get("output"), f"{at}.output")
            pending.discard(item["call_id"])
        elif kind == "reasoning":
            only_keys(item, {"type", "id", "summary", "encrypted_content"}, at)
            require(str(item.get("id", "")).startswith("rs_"), f"{at}.id: invalid")
            require(isinstance(item.get("summary"), list), f"{at}.summary: required")
            require("encrypted_content" in item,
                    f"{at}: a reasoning item of a stateless request needs its encrypted_content")
        else:
            require(False, f"{at}.type: unknown item type {kind!r}")
    require(not pending, f"no output for function call(s) {sorted(pending)}")


def _check_output(output: Any, at: str) -> None:
    """A function's output: a string, or input_text and input_image parts (a screenshot)."""
    if isinstance(output, str):
        return
    require(isinstance(output, list) and output, f"{at}: expected a string or a list of parts")
    for j, part in enumerate(output):
        kind = part.get("type") if isinstance(part, dict) else None
        require(kind in ("input_text", "input_image"), f"{at}[{j}].type: invalid {kind!r}")
        only_keys(part, INPUT_PARTS[str(kind)], f"{at}[{j}]")
        if kind == "input_image":
            require(str(part.get("image_url")).startswith(("data:image/", "http")),
                    f"{at}[{j}].image_url: invalid")


def _check_message(item: dict[str, Any], at: str) -> None:
    only_keys(item, {"type", "role", "content", "id", "status"}, at)
    role = item.get("role")
    require(role in ("user", "assistant", "system", "developer"), f"{at}.role: invalid")
    content = item.get("content")
    if isinstance(content, str):
        return
    require(isinstance(content, list) and content, f"{at}.content: expected a string or parts")
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        where = f"{at}.content[{j}]"
        if role == "assistant":
            require(kind in ("output_text", "refusal"), f"{where}.type: invalid for assistant")
            only_keys(part, {"type", "text", "annotations", "refusal"}, where)
            continue
        require(kind in INPUT_PARTS, f"{where}.type: invalid content type {kind!r}")
        only_keys(part, INPUT_PARTS[str(kind)], where)
