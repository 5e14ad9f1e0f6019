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
import io
import json
import os
import re
import struct
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ._file import SAMPLES_OPEN
from ._model import EvalLog, EvalSample

INSPECT_VERSION = 2  # Inspect's log format version
ZIP_ZSTANDARD = 93  # the zip compression method number of zstandard
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
    with _located(location, ""):
        header = _header(location)
        log = EvalLog.model_validate(_log_from_inspect(header))
    if not header_only:
        log.samples = list(read_inspect_samples(location))
    log.location = location
    return log


def read_inspect_samples(location: str) -> Iterator[EvalSample]:
    if location.endswith(".eval"):
        with _located(location, ""), zipfile.ZipFile(location) as z:
            names = sorted(n for n in z.namelist()
                           if n.startswith("samples/") and n.endswith(".json"))
            for name in names:
                with _located(location, name):
                    data = _json(_member(z, name, location))
                    sample = EvalSample.model_validate(_sample_from_inspect(data))
                yield sample
        return
    with _located(location, ""):
        data = _json(Path(location).read_bytes())
        samples = data.get("samples") or []
    for n, raw in enumerate(samples):
        with _located(location, f"samples[{n}]"):
            sample = EvalSample.model_validate(_sample_from_inspect(raw))
        yield sample


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


def _header(location: str) -> dict[str, Any]:
    if not location.endswith(".eval"):
        whole = _json(Path(location).read_bytes())
        if not isinstance(whole, dict):
            raise LogReadError("not an Inspect log: not a JSON object")
        whole.pop("samples", None)
        return whole
    with zipfile.ZipFile(location) as z:
        names = set(z.namelist())
        if "header.json" in names:
            out: dict[str, Any] = _json(_member(z, "header.json", location))
            return out
        start = next((n for n in ("_journal/start.json", "start.json") if n in names), None)
        if start is None:
            raise ValueError("not an Inspect log: no header.json or start.json")
        data: dict[str, Any] = _json(_member(z, start, location))
        if "results.json" in names:
            data.update(_json(_member(z, "results.json", location)))
        else:
            data["status"] = "started"
        return data


def _member(z: zipfile.ZipFile, name: str, location: str) -> bytes:
    """A member's bytes, at most `max_member_bytes()` of them (whatever its header claims).
    Inspect compresses members with zstandard (zip method 93), which Python's zipfile reads
    only from 3.14: its raw bytes are decompressed here."""
    limit = max_member_bytes()
    info = z.getinfo(name)
    if info.compress_type != ZIP_ZSTANDARD:
        with z.open(name) as member:
            data = member.read(limit + 1)
    else:
        import zstandard

        with open(location, "rb") as f:
            f.seek(info.header_offset)
            head = f.read(30)  # the local file header; its name and extra field follow
            name_length, extra_length = struct.unpack("<HH", head[26:30])
            f.seek(info.header_offset + 30 + name_length + extra_length)
            raw = f.read(min(info.compress_size, limit + 1))
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as reader:
            data = _read_up_to(reader, limit + 1)
    if len(data) > limit:
        raise LogReadError(f"{location}: {name} unpacks to more than {limit // 2**20} MB "
                           "(set EVALRUNNER_LOG_MEMBER_MB to allow more)")
    return data


def _read_up_to(reader: Any, size: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total < size and (chunk := reader.read(min(size - total, 1 << 20))):
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


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


def _sample_from_inspect(s: dict[str, Any]) -> dict[str, Any]:
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
                "explanation": v.get("explanation"), "metadata": v.get("metadata")}
            for k, v in (s.get("scores") or {}).items()
        },
        "store": s.get("store") or {},
        "model_usage": {k: _usage(v) for k, v in (s.get("model_usage") or {}).items()},
        "error": _error(s.get("error")),
        "limit": limit.get("type") if isinstance(limit, dict) else limit,
        "started_at": _timestamp(s.get("started_at")),
        "total_time": s.get("total_time"),
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
