"""A sample as one row of the sample list: short texts, score values, error, cost."""

from __future__ import annotations

from typing import Any

from ._index import is_unscored, value_text

PREVIEW = 240  # characters of input, target and answer a row carries


def content_text(content: Any) -> str:
    """The text of a message content: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and part.get("type") in ("text", "image"):
                parts.append(part.get("text") if part.get("type") == "text" else "[image]")
        return "\n".join(p for p in parts if p)
    return "" if content is None else str(content)


def input_text(value: Any) -> str:
    """A sample input as text: itself, or its messages' text (user messages first)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        user = [content_text(m.get("content")) for m in value if m.get("role") == "user"]
        every = [content_text(m.get("content")) for m in value if isinstance(m, dict)]
        return "\n".join(user or every)
    return ""


def target_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def answer_text(data: dict[str, Any]) -> str:
    choices = (data.get("output") or {}).get("choices") or []
    if not choices:
        return ""
    return content_text((choices[0].get("message") or {}).get("content"))


def preview(text: str, size: int = PREVIEW) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def sample_row(n: int, data: dict[str, Any]) -> dict[str, Any]:
    """What the sample list shows of sample `n` (its position in the log file)."""
    scores = data.get("scores") or {}
    error = data.get("error")
    usage = data.get("model_usage") or {}
    return {
        "n": n,
        "id": data.get("id"),
        "epoch": data.get("epoch", 1),
        "input": preview(input_text(data.get("input"))),
        "target": preview(target_text(data.get("target"))),
        "answer": preview(answer_text(data)),
        "scores": {
            name: {"value": value_text(s.get("value")), "answer": s.get("answer"),
                   "unscored": is_unscored(s)}
            for name, s in scores.items()
        },
        "error": (error.get("message") or "error").splitlines()[0] if error else None,
        "limit": data.get("limit"),
        "time": data.get("total_time"),
        "tokens": sum(int(u.get("total_tokens") or 0) for u in usage.values()),
    }


def search_text(data: dict[str, Any], size: int) -> str:
    """The start of a sample's text, lowercased, for the exported viewer's search box."""
    parts = [str(data.get("id")), input_text(data.get("input")), target_text(data.get("target"))]
    parts += [content_text(m.get("content")) for m in data.get("messages") or []]
    parts.append(answer_text(data))
    error = data.get("error")
    if error:
        parts.append(str(error.get("message")))
    return " ".join(" ".join(parts).split()).lower()[:size]
