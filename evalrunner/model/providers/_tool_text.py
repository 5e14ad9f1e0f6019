"""Tool calls written as text by local models, in the formats their chat templates teach.

- Hermes, Qwen, SmolLM2: `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`, one
  per tag or a JSON list inside one tag;
- Mistral: `[TOOL_CALLS] [{"name": ..., "arguments": {...}}]`;
- Llama 3: the whole answer is `{"name": ..., "parameters": {...}}` (or a list of them).

Only calls of the tools offered count, so prose that happens to hold JSON stays prose.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from .._chat import ToolCall

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_MISTRAL = re.compile(r"\[TOOL_CALLS\]\s*(.*)$", re.DOTALL)


def parse_tool_calls(text: str, tools: set[str]) -> tuple[str, list[ToolCall]]:
    """The answer's text without its tool calls, and the calls (empty when none)."""
    if "<tool_call>" in text:
        found = [item for block in _TAGGED.findall(text) for item in _items(block)]
        rest = _TAGGED.sub("", text).strip()
    elif (mistral := _MISTRAL.search(text)) is not None:
        found = _items(mistral.group(1))
        rest = text[: mistral.start()].strip()
    else:
        stripped = text.strip()
        found = _items(stripped) if stripped[:1] in "{[" else []
        rest = ""
    calls = [call for i, item in enumerate(found) if (call := _call(item, i, tools))]
    if not calls:
        return text, []
    return rest, calls


def _items(block: str) -> list[Any]:
    try:
        value = json.loads(block)
    except ValueError:
        return []
    return value if isinstance(value, list) else [value]


def _call(item: Any, index: int, tools: set[str]) -> ToolCall | None:
    if not isinstance(item, dict) or item.get("name") not in tools:
        return None
    arguments = item.get("arguments", item.get("parameters", {}))
    if isinstance(arguments, str):  # some templates teach a JSON string
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments)
    return ToolCall.decoded(str(item.get("id") or f"call_{index}"), str(item["name"]), arguments)
