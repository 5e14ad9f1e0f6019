"""Strict checks of a Chat Completions request body, as OpenAI's API applies them.

`check_request` returns the first problem found (OpenAI-style wording) or None.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

TOP_LEVEL = frozenset({
    "model", "messages", "tools", "tool_choice", "temperature", "top_p", "max_tokens",
    "max_completion_tokens", "stop", "seed", "frequency_penalty", "presence_penalty",
    "logit_bias", "n", "logprobs", "top_logprobs", "parallel_tool_calls", "reasoning_effort",
    "user", "stream", "stream_options", "response_format", "metadata", "store", "service_tier",
})

MESSAGE_KEYS = {
    "system": {"role", "content", "name"},
    "developer": {"role", "content", "name"},
    "user": {"role", "content", "name"},
    "assistant": {"role", "content", "name", "tool_calls", "refusal"},
    "tool": {"role", "content", "tool_call_id"},
}

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

# field: (low, high, integer?)
RANGES: dict[str, tuple[float, float, bool]] = {
    "temperature": (0, 2, False),
    "top_p": (0, 1, False),
    "frequency_penalty": (-2, 2, False),
    "presence_penalty": (-2, 2, False),
    "max_tokens": (1, 10**7, True),
    "max_completion_tokens": (1, 10**7, True),
    "n": (1, 128, True),
    "seed": (-(2**63), 2**63 - 1, True),
    "top_logprobs": (0, 20, True),
}


class Invalid(Exception):
    """A request the API would refuse with HTTP 400; `param` names the culprit."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def check_request(body: Any) -> Invalid | None:
    try:
        _check(body)
    except Invalid as ex:
        return ex
    return None


def _check(body: Any) -> None:
    if not isinstance(body, dict):
        raise Invalid("the request body must be a JSON object")
    unknown = sorted(set(body) - TOP_LEVEL)
    if unknown:
        raise Invalid(f"Unrecognized request argument supplied: {unknown[0]}", unknown[0])
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise Invalid("you must provide a model parameter", "model")
    _check_messages(body.get("messages"))
    _check_options(body)
    _check_tools(body)


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise Invalid("'messages' must be a non-empty array", "messages")
    call_ids: set[str] = set()
    unanswered: set[str] = set()  # the last tool calls: tool messages must answer them next
    for i, message in enumerate(messages):
        param = f"messages[{i}]"
        if not isinstance(message, dict) or message.get("role") not in MESSAGE_KEYS:
            raise Invalid(f"{param}: invalid role", param)
        role = message["role"]
        if unanswered and role != "tool":
            raise Invalid("An assistant message with 'tool_calls' must be followed by tool "
                          "messages responding to each 'tool_call_id'. The following "
                          f"tool_call_ids did not have response messages: {sorted(unanswered)[0]}",
                          param)
        unanswered.discard(str(message.get("tool_call_id")))
        extra = sorted(set(message) - MESSAGE_KEYS[role])
        if extra:
            raise Invalid(f"{param}: unknown field '{extra[0]}' for role '{role}'", param)
        _check_content(role, message, param)
        if role == "assistant" and message.get("tool_calls") is not None:
            unanswered = _check_tool_calls(message["tool_calls"], param)
            call_ids |= unanswered
        if role == "tool" and message.get("tool_call_id") not in call_ids:
            raise Invalid(
                f"{param}: messages with role 'tool' must be a response to a preceding "
                "message with 'tool_calls'", param,
            )


def _check_content(role: str, message: dict[str, Any], param: str) -> None:
    content = message.get("content")
    if content is None:
        if role == "assistant" and message.get("tool_calls"):
            return
        raise Invalid(f"{param}.content: expected a string or an array of parts", param)
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise Invalid(f"{param}.content: expected a string or an array of parts", param)
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str) and set(part) == {"type", "text"}:
            continue
        if kind == "image_url" and role == "user" and _valid_image(part):
            continue
        if kind == "input_audio" and role == "user" and _valid_audio(part):
            continue
        raise Invalid(f"{param}.content: invalid content part {json.dumps(part)[:80]}", param)


def _valid_audio(part: dict[str, Any]) -> bool:
    """`input_audio`: base64 data (not a URL) and its format, wav or mp3."""
    audio = part.get("input_audio")
    if set(part) != {"type", "input_audio"} or not isinstance(audio, dict):
        return False
    data = audio.get("data")
    if set(audio) != {"data", "format"} or audio.get("format") not in ("wav", "mp3"):
        return False
    try:
        base64.b64decode(data, validate=True) if isinstance(data, str) else None
    except ValueError:
        return False
    return isinstance(data, str) and data != "" and not data.startswith("data:")


def _valid_image(part: dict[str, Any]) -> bool:
    image = part.get("image_url")
    if set(part) != {"type", "image_url"} or not isinstance(image, dict):
        return False
    url = image.get("url")
    return (
        isinstance(url, str)
        and url.startswith(("http://", "https://", "data:image/"))
        and image.get("detail", "auto") in ("auto", "low", "high")
        and set(image) <= {"url", "detail"}
    )


def _check_tool_calls(calls: Any, param: str) -> set[str]:
    if not isinstance(calls, list) or not calls:
        raise Invalid(f"{param}.tool_calls: expected a non-empty array", param)
    ids: set[str] = set()
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise Invalid(f"{param}.tool_calls: malformed call {json.dumps(call)[:80]}", param)
        ok = (
            set(call) == {"id", "type", "function"}
            and call["type"] == "function"
            and isinstance(call["id"], str) and call["id"]
            and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments"), str)
        )
        if not ok:
            raise Invalid(f"{param}.tool_calls: malformed call {json.dumps(call)[:80]}", param)
        try:
            json.loads(function["arguments"])
        except ValueError:
            raise Invalid(f"{param}.tool_calls: arguments are not JSON", param) from None
        ids.add(call["id"])
    return ids


def _check_options(body: dict[str, Any]) -> None:
    for name, (low, high, integer) in RANGES.items():
        if name not in body:
            continue
        value = body[name]
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            raise Invalid(f"Invalid value for '{name}': {value!r}", name)
    if "max_tokens" in body and "max_completion_tokens" in body:
        raise Invalid("set max_tokens or max_completion_tokens, not both", "max_tokens")
    stop = body.get("stop")
    if stop is not None and not (
        isinstance(stop, str)
        or (isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop))
    ):
        raise Invalid("'stop' must be a string or an array of at most 4 strings", "stop")
    bias = body.get("logit_bias")
    if bias is not None and not (
        isinstance(bias, dict)
        and all(k.isdigit() and isinstance(v, int | float) and -100 <= v <= 100
                for k, v in bias.items())
    ):
        raise Invalid("'logit_bias' must map token ids to numbers in [-100, 100]", "logit_bias")
    for flag in ("logprobs", "stream", "parallel_tool_calls", "store"):
        if flag in body and not isinstance(body[flag], bool):
            raise Invalid(f"'{flag}' must be a boolean", flag)
    if "top_logprobs" in body and body.get("logprobs") is not True:
        raise Invalid("'top_logprobs' requires 'logprobs' to be true", "top_logprobs")
    if body.get("stream"):
        raise Invalid("this test server does not stream", "stream")
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in ("none", "minimal", "low", "medium", "high", "xhigh"):
        raise Invalid(f"Invalid value for 'reasoning_effort': {effort!r}", "reasoning_effort")


def _check_tools(body: dict[str, Any]) -> None:
    tools = body.get("tools")
    if tools is None:
        for name in ("tool_choice", "parallel_tool_calls"):
            if name in body:
                raise Invalid(f"'{name}' is only allowed when 'tools' are specified", name)
        return
    if not isinstance(tools, list) or not tools:
        raise Invalid("'tools' must be a non-empty array", "tools")
    names: set[str] = set()
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        ok = (
            isinstance(function, dict)
            and set(tool) == {"type", "function"}
            and tool["type"] == "function"
            and isinstance(function.get("name"), str)
            and TOOL_NAME.match(function["name"]) is not None
            and isinstance(function.get("description", ""), str)
            and isinstance(function.get("parameters", {}), dict)
            and set(function) <= {"name", "description", "parameters", "strict"}
        )
        if not ok or function["name"] in names:  # type: ignore[index]
            raise Invalid(f"invalid tool {json.dumps(tool)[:80]}", "tools")
        names.add(function["name"])  # type: ignore[index]
    _check_tool_choice(body.get("tool_choice"), names)


def _check_tool_choice(choice: Any, names: set[str]) -> None:
    if choice is None or choice in ("none", "auto", "required"):
        return
    function = choice.get("function") if isinstance(choice, dict) else None
    if (
        isinstance(function, dict)
        and choice.get("type") == "function"
        and set(function) == {"name"}
        and function["name"] in names
    ):
        return
    raise Invalid(f"invalid tool_choice {json.dumps(choice)[:80]}", "tool_choice")
