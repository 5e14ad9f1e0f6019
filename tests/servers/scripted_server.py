"""A scripted model for solver and tool tests: it reads the request and answers accordingly.

Served by `start_openai_server(responder=scripted_reply)`. Rules, first match wins:

- the last user message has `CALL name {json}` lines and no tool result came after it:
  call those tools (several lines: parallel calls);
- tools include `submit` (an agent): after a tool result, submit that result; after another
  agent's reply (a handoff), submit that reply; otherwise submit a wrong sum first and the
  right one once told it was wrong;
- a `response_format` (structured output): `{"answer": <the sum>}` as JSON, or
  `{"answer": "none"}` when the user asks for BADJSON (an answer the schema forbids);
- after tool results: `ANSWER: ` and the results joined with ` | `;
- a critique request: "The original answer is fully correct.";
- lettered options `A) ...`: the letter(s) of the right option(s), computed from the question
  ("What is a + b?" or "Which ... even?"), whatever order the options come in;
- a web page relevance question: an excerpt when the page mentions the query, else NONE;
- "a + b" or "a * b" anywhere: `ANSWER: <result>`; otherwise the last user message.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .openai_server import Reply, echo

_CALL = re.compile(r"^CALL (\w+) (\{.*\})\s*$", re.MULTILINE)
_OPTION = re.compile(r"^([A-Z])\) (.*)$", re.MULTILINE)


def scripted_reply(body: dict[str, Any]) -> Reply:
    messages = body["messages"]
    tools = {t["function"]["name"] for t in body.get("tools") or []}
    last = messages[-1]
    user = _last_user(messages)
    if tools and body.get("tool_choice") != "none":
        calls = _CALL.findall(user)
        if calls and last["role"] == "user":
            return [{"name": name, "arguments": args} for name, args in calls]
        if "submit" in tools:
            return _agent(messages, last)
    if last["role"] == "tool":
        return "ANSWER: " + " | ".join(_tool_results(messages))
    if body.get("response_format"):
        return json.dumps({"answer": "none" if "BADJSON" in user else int(_compute(user) or 0)})
    return _text_reply(user, body)


def _agent(messages: list[dict[str, Any]], last: dict[str, Any]) -> Reply:
    if last["role"] == "assistant" and not last.get("tool_calls"):
        return [{"name": "submit", "arguments": {"answer": _text(last["content"]).strip()}}]
    if last["role"] == "tool" and not _submitted(messages[-2]):
        return [{"name": "submit", "arguments": {"answer": _text(last["content"]).strip()}}]
    question = next(_text(m["content"]) for m in messages if m["role"] == "user")
    right = _compute(question)
    tries = sum(1 for m in messages if m["role"] == "assistant" and _submitted(m))
    answer = right if tries else f"{int(right or 0) + 1}"
    return [{"name": "submit", "arguments": {"answer": answer}}]


def _submitted(message: dict[str, Any]) -> bool:
    calls = message.get("tool_calls") or []
    return any(c["function"]["name"] == "submit" for c in calls)


def _tool_results(messages: list[dict[str, Any]]) -> list[str]:
    results: list[str] = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        results.insert(0, _text(message["content"]).strip())
    return results


def _text_reply(user: str, body: dict[str, Any]) -> str:
    if "[Critique]:" in user:
        return f"ANSWER: {_compute(user)}"
    if "critique" in user.lower() and "[Answer]:" in user:
        return "The original answer is fully correct."
    options = _OPTION.findall(user)
    if options:
        return "ANSWER: " + ", ".join(_pick(user, options))
    if "<page>" in user:
        page = user.split("<page>")[1].split("</page>")[0]
        query = re.search(r'search "([^"]+)"', user)
        return page.strip()[:200] if query and query[1].lower() in page.lower() else "NONE"
    result = _compute(user)
    return f"ANSWER: {result}" if result is not None else echo(body)


def _pick(question: str, options: list[tuple[str, str]]) -> list[str]:
    if "even" in question.lower():
        return [letter for letter, text in options if text.strip().isdigit()
                and int(text) % 2 == 0]
    right = _compute(question)
    return [letter for letter, text in options if text.strip() == right][:1] or ["Z"]


def _compute(text: str) -> str | None:
    found = re.search(r"(\d+) *([+*]) *(\d+)", text)
    if found is None:
        return None
    a, b = int(found[1]), int(found[3])
    return str(a + b if found[2] == "+" else a * b)


def _last_user(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message["role"] == "user":
            return _text(message.get("content"))
    return ""


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")
    return "" if content is None else json.dumps(content)
