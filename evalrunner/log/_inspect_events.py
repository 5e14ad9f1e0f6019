"""A sample's events in Inspect's shape and back.

evalrunner's events (`events/_model.py`) are compact: `t` is seconds since the sample
started, `span` the enclosing span. Inspect's carry a `timestamp`, `working_start` and
`span_id`, and richer payloads (a model event's whole input, tools and output). Written
out, `working_start` is `t`, so reading back gives the same `t`. Inspect events that
have no evalrunner kind (info, score, step, subtask, ...) are left out when read.
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from typing import Any

from ..events._transcript import preview

# evalrunner limit names (suites and sample.limit) -> Inspect's SampleLimitEvent types
LIMIT_TYPES = {"messages": "message", "message": "message", "tokens": "token",
               "token": "token", "seconds": "time", "time": "time", "turns": "turn",
               "turn": "turn", "cost": "cost", "working": "working", "context": "custom"}
_DECISIONS = {"approve", "modify", "reject", "terminate"}
# evalrunner compaction strategies -> the types of Inspect's CompactionEvent
COMPACTION_TYPES = {"summarize": "summary", "trim": "trim", "drop_tool_results": "edit"}


def _iso(started: float | None, t: float) -> str:
    return datetime.fromtimestamp((started or 0.0) + t, UTC).isoformat()


def to_inspect(events: list[dict[str, Any]], started: float | None,
               scores: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Inspect events for a sample's events (as dumped), then one score event per score."""
    out: list[dict[str, Any]] = []
    last = 0.0
    for e in events:
        converted = _event_out(e)
        if converted is None:
            continue
        last = float(e.get("t") or 0.0)
        converted.update(timestamp=_iso(started, last), working_start=last,
                         span_id=e.get("span"))
        out.append(converted)
    for name, score in (scores or {}).items():
        if score.get("value") is None:
            continue
        out.append({"event": "score", "scorer": name, "score": score,
                    "timestamp": _iso(started, last), "working_start": last})
    return out


def _event_out(e: dict[str, Any]) -> dict[str, Any] | None:
    kind = e.get("event")
    if kind == "span_begin":
        return {"event": kind, "id": e["id"], "parent_id": e.get("span"),
                "type": e.get("type"), "name": e.get("name", "")}
    if kind == "span_end":
        return {"event": kind, "id": e["id"]}
    if kind == "model":
        return _model_out(e)
    if kind == "tool":
        error = e.get("error")
        return {"event": "tool", "type": "function", "id": e.get("id", ""),
                "function": e.get("function", ""), "arguments": e.get("arguments") or {},
                "result": e.get("result", ""), "working_time": e.get("time"),
                "error": {"type": "unknown", "message": error} if error else None,
                "view": (e.get("view") or {}).get("call")}  # Inspect keeps the call part
    if kind == "approval":
        call = {"id": e.get("call", ""), "function": e.get("function", ""), "arguments": {}}
        modified = e.get("modified")
        return {"event": "approval", "message": e.get("explanation") or "", "call": call,
                "approver": e.get("approver", ""), "decision": e.get("decision", "approve"),
                "explanation": e.get("explanation"),
                "modified": {**call, "arguments": modified} if modified else None}
    if kind == "sandbox":
        return {"event": "sandbox", "action": "exec", "cmd": shlex.join(e.get("cmd") or []),
                "result": e.get("returncode"), "output": e.get("output", "")}
    if kind == "limit":
        return {"event": "sample_limit", "type": LIMIT_TYPES.get(e.get("type", ""), "custom"),
                "message": e.get("message", ""), "limit": e.get("limit")}
    if kind == "error":
        return {"event": "error", "error": {"message": e.get("message", ""), "traceback": "",
                                            "traceback_ansi": ""}}
    if kind == "store":
        changes = [{"op": "remove" if c.get("op") == "delete" else "replace",
                    "path": "/" + str(c.get("key", "")), "value": c.get("value")}
                   for c in e.get("changes") or []]
        return {"event": "store", "changes": changes}
    if kind == "compaction":
        return {"event": "compaction", "type": COMPACTION_TYPES.get(e.get("strategy", ""),
                                                                     "summary"),
                "tokens_before": e.get("tokens_before"), "tokens_after": e.get("tokens_after"),
                "source": "evalrunner", "metadata": {"strategy": e.get("strategy")}}
    return None


def _model_out(e: dict[str, Any]) -> dict[str, Any]:
    tools = e.get("tool_info") or [
        {"name": n, "description": "", "parameters": {"type": "object", "properties": {}}}
        for n in e.get("tools") or []
    ]
    reply = e.get("reply")
    if reply is not None:
        output = inspect_output(reply)
    else:  # a summary only: the start of the reply and the tools it called
        message = {"role": "assistant", "content": e.get("output", ""), "source": "generate",
                   "tool_calls": [{"id": f"call_{i}", "function": f, "arguments": {}}
                                  for i, f in enumerate(e.get("tool_calls") or [])] or None}
        output = {"model": e.get("model", ""), "choices": [
            {"message": message, "stop_reason": e.get("stop_reason") or "unknown"}]}
        if e.get("usage"):
            output["usage"] = e["usage"]
    call = e.get("call")
    return {
        "event": "model", "model": e.get("model", ""), "input": e.get("input") or [],
        "tools": tools, "tool_choice": e.get("tool_choice") or ("auto" if tools else "none"),
        "config": e.get("config") or {}, "output": output, "retries": e.get("retries"),
        "error": e.get("error"), "cache": "read" if e.get("cached") else None,
        "call": None if call is None else {**call, "time": e.get("time")},
        "working_time": e.get("time"),
        "metadata": {k: e[k] for k in ("cost", "waited") if e.get(k)} or None,
    }


def inspect_output(output: dict[str, Any]) -> dict[str, Any]:
    """A dumped evalrunner ModelOutput as Inspect's ModelOutput."""
    out: dict[str, Any] = {
        "model": output.get("model", ""),
        "choices": [{"message": c.get("message") or {"role": "assistant", "content": ""},
                     "stop_reason": c.get("stop_reason", "unknown")}
                    for c in output.get("choices") or []],
    }
    for key in ("usage", "time", "error"):
        if output.get(key) is not None:
            out[key] = output[key]
    return out


def from_inspect(events: list[dict[str, Any]],
                 pool: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """evalrunner events for Inspect's (as JSON); kinds evalrunner lacks are left out.

    Inspect may keep a model event's input messages in the sample's `events_data` pool,
    the event naming ranges of it (`input_refs`): they are put back in place.
    """
    messages = (pool or {}).get("messages") or []
    out: list[dict[str, Any]] = []
    for e in events:
        if e.get("event") == "model" and e.get("input_refs") and not e.get("input"):
            e = {**e, "input": [m for a, b in e["input_refs"] for m in messages[a:b]]}
        converted = _event_in(e)
        if converted is not None:
            converted.update(t=float(e.get("working_start") or 0.0), span=e.get("span_id"))
            out.append(converted)
    return out


def _event_in(e: dict[str, Any]) -> dict[str, Any] | None:
    kind = e.get("event")
    if kind in ("span_begin", "span_end"):
        out = {"event": kind, "id": str(e.get("id", ""))}
        if kind == "span_begin":
            out.update(type=e.get("type") or "", name=e.get("name", ""))
        return out
    if kind == "model":
        return _model_in(e)
    if kind == "tool":
        result = e.get("result", "")
        error = e.get("error")
        return {"event": "tool", "id": e.get("id", ""), "function": e.get("function", ""),
                "arguments": e.get("arguments") or {},
                "result": result if isinstance(result, str) else str(result),
                "error": error.get("message") if isinstance(error, dict) else error,
                "time": e.get("working_time"),
                "view": {"call": e["view"]} if isinstance(e.get("view"), dict) else None}
    if kind == "approval":
        call = e.get("call") or {}
        modified = e.get("modified")
        decision = e.get("decision")
        return {"event": "approval", "call": call.get("id", ""),
                "function": call.get("function", ""), "approver": e.get("approver", ""),
                "decision": decision if decision in _DECISIONS else "reject",
                "explanation": e.get("explanation"),
                "modified": modified.get("arguments") if isinstance(modified, dict) else None}
    if kind == "sandbox":
        cmd = e.get("cmd") or e.get("action", "")
        try:
            parts = shlex.split(cmd)
        except ValueError:
            parts = [cmd]
        return {"event": "sandbox", "cmd": parts, "returncode": e.get("result"),
                "output": e.get("output") or ""}
    if kind == "sample_limit":
        return {"event": "limit", "type": e.get("type", ""), "limit": e.get("limit"),
                "message": e.get("message", "")}
    if kind == "error":
        error = e.get("error") or {}
        return {"event": "error", "message": error.get("message", "")}
    if kind == "store":
        return {"event": "store", "changes": [
            {"op": "delete" if c.get("op") == "remove" else "set",
             "key": str(c.get("path", "")).lstrip("/"), "value": c.get("value")}
            for c in e.get("changes") or []]}
    if kind == "compaction":
        strategy = (e.get("metadata") or {}).get("strategy") or next(
            (k for k, v in COMPACTION_TYPES.items() if v == e.get("type")), "summarize")
        return {"event": "compaction", "strategy": strategy,
                "tokens_before": e.get("tokens_before") or 0,
                "tokens_after": e.get("tokens_after") or 0}
    return None


def _model_in(e: dict[str, Any]) -> dict[str, Any]:
    output = e.get("output") or {}
    choices = output.get("choices") or []
    message = (choices[0].get("message") if choices else None) or {}
    content = message.get("content", "")
    text = content if isinstance(content, str) else " ".join(
        c.get("text", "") for c in content if isinstance(c, dict))
    tools = e.get("tools") or []
    call = e.get("call")
    meta = e.get("metadata") or {}
    return {
        "event": "model", "model": e.get("model", ""), "messages": len(e.get("input") or []),
        "input": e.get("input") or [], "tools": [t.get("name", "") for t in tools],
        "tool_info": tools, "tool_choice": e.get("tool_choice"),
        "config": {k: v for k, v in (e.get("config") or {}).items() if v is not None},
        "output": preview(text),
        "tool_calls": [c.get("function", "") for c in message.get("tool_calls") or []],
        "stop_reason": choices[0].get("stop_reason") if choices else None,
        "usage": output.get("usage"), "time": e.get("working_time"),
        "cached": e.get("cache") == "read", "error": e.get("error"),
        "retries": e.get("retries") or 0, "reply": output or None,
        "call": {k: call.get(k) for k in ("request", "response")} if call else None,
        "cost": meta.get("cost"), "waited": meta.get("waited"),
    }
