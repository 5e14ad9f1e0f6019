"""Inspect's eval logs (`.json` and `.eval`), read as evalrunner logs and written from them.

Inspect (log format version 2) writes a `.json` log as one JSON document, and a `.eval`
log as a zip: `header.json` (the log without samples, once finished; before that
`_journal/start.json`, or `start.json` and `results.json` in older versions) and one
`samples/<id>_epoch_<n>.json` per sample. The fields map one to one where both tools have
them (task, model, dataset, results, scores, messages, output, usage); the rest of
Inspect's fields are kept as extra fields of the evalrunner models.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from . import _zip
from ._file import SAMPLES_OPEN
from ._inspect_events import from_inspect
from ._model import EvalLog, EvalSample

_CONTENT_FIELDS = {
    "text": ("text",), "image": ("image", "detail"),
    "reasoning": ("reasoning", "signature", "redacted"),
}
_VERSION_2 = re.compile(r'^\s*\{\s*"version"\s*:\s*2\b')
_STOP_REASONS = {"stop", "length", "tool_calls", "content_filter", "unknown"}


def is_inspect_log(location: str) -> bool:
    """A `.eval` file, or a `.json` file that Inspect wrote (its header says version 2
    and has Inspect's eval config)."""
    if location.endswith(".eval"):
        return True
    if not location.endswith(".json") or "://" in location:
        return False
    try:
        with open(location, "rb") as f:
            head = f.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    first = head.split("\n", 1)[0]
    # evalrunner's first line is its header, open on its samples; Inspect's is not.
    return not first.rstrip().endswith(SAMPLES_OPEN) and bool(_VERSION_2.search(head[:300]))


class LogReadError(ValueError):
    """A log that cannot be read safely: malformed, or unpacking beyond the bounds."""


def max_member_bytes() -> int:
    """The most one member of a `.eval` may unpack to (EVALRUNNER_LOG_MEMBER_MB, default
    64 MB): a zip bomb of a few MB must not cost gigabytes to `view` or `compare`."""
    try:
        megabytes = float(os.environ.get("EVALRUNNER_LOG_MEMBER_MB") or 64)
    except ValueError:
        megabytes = 64
    return int(max(megabytes, 1) * 1024 * 1024)


def read_inspect_log(location: str, header_only: bool = False) -> EvalLog:
    """An Inspect log as an evalrunner log (samples too, unless `header_only`); a log that
    is malformed or too big unpacked raises LogReadError naming the file and member."""
    with _located(location, ""), _open(location) as f:
        header = _header(f, location)
        native = header.get("evalrunner")
        if isinstance(native, dict):  # written by evalrunner: its own header rides along
            log = EvalLog.model_validate(native)
        else:
            log = EvalLog.model_validate(_log_from_inspect(header))
    if not header_only:
        log.samples = list(read_inspect_samples(location))
    log.location = location
    return log


def read_inspect_samples(location: str) -> Iterator[EvalSample]:
    with _located(location, ""), _open(location) as f:
        yield from _samples(f, location)


@contextlib.contextmanager
def _located(location: str, member: str) -> Iterator[None]:
    """Every way a foreign log can be bad, as one LogReadError saying where."""
    try:
        yield
    except LogReadError as ex:
        if str(ex).startswith(location):
            raise
        raise LogReadError(f"{location}{': ' + member if member else ''}: {ex}") from None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, EOFError,
            zipfile.BadZipFile, zipfile.LargeZipFile) as ex:
        what = str(ex).splitlines()[0][:200] if str(ex) else type(ex).__name__
        raise LogReadError(f"{location}{': ' + member if member else ''}: not a valid "
                           f"Inspect log ({what})") from None


def _json(data: bytes) -> Any:
    """JSON of a foreign log; nesting deep enough to exhaust the stack is refused."""
    try:
        return json.loads(data)
    except RecursionError:
        raise LogReadError("JSON nested too deeply") from None


def _read(f: IO[bytes], member: _zip.Member) -> Any:
    """A member's JSON, unpacking at most `max_member_bytes()` (whatever its header says)."""
    limit = max_member_bytes()
    data = _zip.read_member(f, member, limit)
    if data is None:
        raise LogReadError(f"{member.name} unpacks to more than {limit // 2**20} MB "
                           "(set EVALRUNNER_LOG_MEMBER_MB to allow more)")
    return _json(data)


def _open(location: str) -> Any:
    if "://" in location and not location.startswith("file://"):
        import fsspec

        return fsspec.open(location, "rb").open()
    return open(location.removeprefix("file://"), "rb")


def _samples(f: IO[bytes], location: str) -> Iterator[EvalSample]:
    if not location.endswith(".eval"):
        f.seek(0)
        for n, raw in enumerate(_object(f.read()).get("samples") or []):
            with _located(location, f"samples[{n}]"):
                sample = sample_from_inspect(raw)
            yield sample
        return
    members = _zip.members(f)
    # In the order written (a finished log lists its members in that order too).
    names = [n for n in members if n.startswith("samples/") and n.endswith(".json")]
    for name in names:
        with _located(location, name):
            sample = sample_from_inspect(_read(f, members[name]))
        yield sample


def _object(data: bytes) -> dict[str, Any]:
    whole = _json(data)
    if not isinstance(whole, dict):
        raise LogReadError("not an Inspect log: not a JSON object")
    return whole


def _header(f: IO[bytes], location: str) -> dict[str, Any]:
    if not location.endswith(".eval"):
        data = _object(f.read())
        data.pop("samples", None)
        return data
    members = _zip.members(f)
    if "header.json" in members:
        return _as_dict(_read(f, members["header.json"]))
    start = next((n for n in ("_journal/start.json", "start.json") if n in members), None)
    if start is None:
        raise ValueError("not an Inspect log: no header.json or start.json")
    data = _as_dict(_read(f, members[start]))
    if "results.json" in members:
        data.update(_as_dict(_read(f, members["results.json"])))
    else:
        data["status"] = "started"
    return data


def _as_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise LogReadError("not an Inspect log: a header that is not a JSON object")
    return value


def _log_from_inspect(h: dict[str, Any]) -> dict[str, Any]:
    ev = h.get("eval") or {}
    config = ev.get("config") or {}
    plan = h.get("plan") or {}
    roles = {k: (v.get("model") if isinstance(v, dict) else str(v))
             for k, v in (ev.get("model_roles") or {}).items()}
    limit = config.get("limit")
    sample_ids = config.get("sample_id")
    stats = h.get("stats") or {}
    results = h.get("results")
    return {
        "status": h.get("status", "started"),
        "eval": {
            "run_id": ev.get("run_id") or ev.get("eval_id") or "",
            "task": ev.get("task", "task"),
            "suite_file": ev.get("task_file"),
            "created": ev.get("created", ""),
            "model": ev.get("model", "none"),
            "model_args": ev.get("model_args") or {},
            "model_roles": roles,
            "model_base_url": ev.get("model_base_url"),
            "params": ev.get("task_args") or {},
            "config": {k: v for k, v in (plan.get("config") or {}).items() if v is not None},
            "dataset": {k: v for k, v in (ev.get("dataset") or {}).items()
                        if k in ("name", "location", "samples") and v is not None},
            "epochs": config.get("epochs") or 1,
            "epochs_reducer": config.get("epochs_reducer") or ["mean"],
            "tags": ev.get("tags") or [],
            "limit": [1, limit] if isinstance(limit, int) else limit,
            "sample_ids": [sample_ids] if isinstance(sample_ids, str | int) else sample_ids,
            "inspect": {"task_id": ev.get("task_id"), "eval_id": ev.get("eval_id")},
        },
        "plan": {
            "steps": [{"name": s.get("solver", "?"), "args": s.get("params") or {}}
                      for s in plan.get("steps") or []],
            "scorers": [{"name": s.get("name", "?"), "args": s.get("options") or {}}
                        for s in ev.get("scorers") or []],
        },
        "results": None if results is None else {
            "total_samples": results.get("total_samples", 0),
            "completed_samples": results.get("completed_samples", 0),
            "scores": [
                {
                    "name": s.get("name", "?"), "scorer": s.get("scorer", "?"),
                    "reducer": s.get("reducer"),
                    "scored_samples": s.get("scored_samples") or 0,
                    "unscored_samples": s.get("unscored_samples") or 0,
                    "metrics": {k: {"name": m.get("name", k), "value": m.get("value")}
                                for k, m in (s.get("metrics") or {}).items()},
                }
                for s in results.get("scores") or []
            ],
        },
        "stats": {
            "started_at": stats.get("started_at") or None,
            "completed_at": stats.get("completed_at") or None,
            "model_usage": {k: _usage(v) for k, v in (stats.get("model_usage") or {}).items()},
        },
        "error": _error(h.get("error")),
    }


def sample_from_inspect(s: dict[str, Any]) -> EvalSample:
    """An Inspect sample (as JSON) as an evalrunner sample; what evalrunner wrote under
    `evalrunner` (its own limit name, scores, ...) is restored as it was."""
    data = _sample_fields(s)
    data.update(s.get("evalrunner") or {})
    return EvalSample.model_validate(data)


def _sample_fields(s: dict[str, Any]) -> dict[str, Any]:
    output = s.get("output") or {}
    limit = s.get("limit")
    return {
        "id": s.get("id", 0),
        "epoch": s.get("epoch", 1),
        "input": _messages(s["input"]) if isinstance(s.get("input"), list) else s.get("input", ""),
        "target": s.get("target", ""),
        "choices": s.get("choices"),
        "metadata": s.get("metadata") or {},
        "messages": _messages(s.get("messages") or []),
        "output": {
            "model": output.get("model", ""),
            "choices": [
                {"message": _message(c.get("message") or {"role": "assistant", "content": ""}),
                 "stop_reason": _stop_reason(c.get("stop_reason"))}
                for c in output.get("choices") or []
            ],
            "usage": _usage(output["usage"]) if output.get("usage") else None,
            "error": output.get("error"),
            "time": output.get("time"),
        },
        "scores": {
            k: {"value": v.get("value"), "answer": v.get("answer"),
                "explanation": v.get("explanation"), "metadata": v.get("metadata"),
                "history": v.get("history") or None}
            for k, v in (s.get("scores") or {}).items()
        },
        "store": s.get("store") or {},
        "model_usage": {k: _usage(v) for k, v in (s.get("model_usage") or {}).items()},
        "error": _error(s.get("error")),
        "limit": limit.get("type") if isinstance(limit, dict) else limit,
        "started_at": _timestamp(s.get("started_at")),
        "total_time": s.get("total_time"),
        "events": from_inspect(s.get("events") or [], s.get("events_data")),
    }


def _messages(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_message(m) for m in items]


def _message(m: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in m.items() if k not in ("content", "id", "metadata", "model")}
    content = m.get("content", "")
    if isinstance(content, list):
        content = [_content(c) for c in content]
    out["content"] = content
    if out.get("source") not in (None, "input", "generate"):
        out.pop("source")
    if isinstance(out.get("error"), dict):
        out["error"] = out["error"].get("message")
    return out


def _content(c: dict[str, Any]) -> dict[str, Any]:
    kind = c.get("type", "text")
    fields = _CONTENT_FIELDS.get(kind)
    if fields is None:  # audio, video, documents: shown as a note, not lost silently
        return {"type": "text", "text": f"[{kind} content]"}
    return {"type": kind, **{f: c[f] for f in fields if f in c and c[f] is not None}}


def _stop_reason(value: Any) -> str:
    if value in ("max_tokens", "model_length"):
        return "length"
    return value if value in _STOP_REASONS else "unknown"


def _usage(u: dict[str, Any]) -> dict[str, int]:
    return {k: int(u.get(k) or 0) for k in ("input_tokens", "output_tokens", "total_tokens")}


def _error(e: Any) -> dict[str, Any] | None:
    if e is None:
        return None
    if isinstance(e, str):
        return {"message": e}
    return {"message": e.get("message", ""), "traceback": e.get("traceback")}


def _timestamp(value: Any) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return None
    return None
