"""Writing an evalrunner log as an Inspect log that Inspect's viewer opens.

`.eval` (a zip: `header.json`, `_journal/start.json`, `summaries.json` and one
`samples/<id>_epoch_<n>.json` per sample, samples streamed one at a time) or `.json`
(one document).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import __version__
from .._util.secrets import redact
from ._inspect_read import INSPECT_VERSION
from ._model import EvalLog, EvalSample

_LIMITS = {"messages": "message", "message": "message", "tokens": "token", "token": "token",
           "seconds": "time", "time": "time", "context": "context"}


def write_inspect_log(log: EvalLog, samples: Iterable[EvalSample], out: str | Path) -> int:
    """Write `log` (a header) and `samples` to `out` (`.eval` or `.json`); returns the
    number of samples written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = inspect_header(log)
    if out.suffix == ".json":
        rows = [inspect_sample(s) for s in samples]
        out.write_text(_dumps({**header, "samples": rows}), encoding="utf-8")
        return len(rows)
    count = 0
    summaries: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        start = {"version": INSPECT_VERSION, "eval": header["eval"], "plan": header["plan"]}
        z.writestr("_journal/start.json", _dumps(start))
        for sample in samples:
            data = inspect_sample(sample)
            z.writestr(f"samples/{data['id']}_epoch_{data['epoch']}.json", _dumps(data))
            summaries.append(_summary(data))
            count += 1
        z.writestr("summaries.json", _dumps(summaries))
        z.writestr("header.json", _dumps(header))
    return count


def _dumps(data: Any) -> str:
    return redact(json.dumps(data, indent=2, default=str))  # as every log written is


def inspect_header(log: EvalLog) -> dict[str, Any]:
    spec = log.eval
    config: dict[str, Any] = {"epochs": spec.epochs, "epochs_reducer": spec.epochs_reducer}
    if spec.limit:
        config["limit"] = list(spec.limit)
    if spec.sample_ids:
        config["sample_id"] = list(spec.sample_ids)
    results = log.results
    return {
        "version": INSPECT_VERSION,
        "status": log.status,
        "eval": {
            "run_id": spec.run_id, "eval_id": spec.run_id, "created": spec.created,
            "task": spec.task, "task_id": spec.run_id, "task_version": 0,
            "task_file": spec.suite_file, "task_args": spec.params, "tags": spec.tags,
            "dataset": {"name": spec.dataset.name, "location": spec.dataset.location,
                        "samples": spec.dataset.samples, "shuffled": spec.dataset.shuffled},
            "model": spec.model, "model_base_url": spec.model_base_url,
            "model_args": spec.model_args,
            "model_roles": {r: {"model": m} for r, m in spec.model_roles.items()} or None,
            "config": config,
            "packages": {"evalrunner": __version__},
            "scorers": [{"name": s.name, "options": s.args} for s in log.plan.scorers],
        },
        "plan": {
            "name": "plan",
            "steps": [{"solver": s.name, "params": s.args} for s in log.plan.steps],
            "config": spec.config,
        },
        "results": None if results is None else {
            "total_samples": results.total_samples,
            "completed_samples": results.completed_samples,
            "scores": [
                {
                    "name": s.name, "scorer": s.scorer, "reducer": s.reducer, "params": {},
                    "scored_samples": s.scored_samples, "unscored_samples": s.unscored_samples,
                    "metrics": {k: {"name": m.name, "value": m.value, "params": {}}
                                for k, m in s.metrics.items() if m.value is not None},
                }
                for s in results.scores
            ],
        },
        "stats": {
            "started_at": log.stats.started_at or "",
            "completed_at": log.stats.completed_at or "",
            "model_usage": {k: u.model_dump() for k, u in log.stats.model_usage.items()},
        },
        "error": _error(log.error),
    }


def inspect_sample(sample: EvalSample) -> dict[str, Any]:
    data = sample.model_dump(mode="json", exclude_none=True)
    out: dict[str, Any] = {
        "id": sample.id, "epoch": sample.epoch,
        "input": [_message(m) for m in data["input"]] if isinstance(data["input"], list)
        else data["input"],
        "target": sample.target,
        "messages": [_message(m) for m in data.get("messages", [])],
        "output": {
            "model": sample.output.model,
            "choices": [{"message": _message(c["message"]), "stop_reason": c["stop_reason"]}
                        for c in data["output"].get("choices", [])],
            **({"usage": data["output"]["usage"]} if "usage" in data["output"] else {}),
            **({"time": sample.output.time} if sample.output.time is not None else {}),
            **({"error": sample.output.error} if sample.output.error else {}),
        },
        "scores": {k: {f: v for f, v in s.items() if f != "metadata" or v}
                   for k, s in data.get("scores", {}).items() if s.get("value") is not None},
        "metadata": sample.metadata,
        "store": sample.store,
        "events": [],
        "model_usage": data.get("model_usage", {}),
        "attachments": {},
    }
    if sample.choices is not None:
        out["choices"] = sample.choices
    if sample.total_time is not None:
        out["total_time"] = sample.total_time
    if sample.error is not None:
        out["error"] = _error(sample.error)
    if sample.limit and sample.limit in _LIMITS:
        out["limit"] = {"type": _LIMITS[sample.limit], "limit": 0}
    return out


def _message(m: dict[str, Any]) -> dict[str, Any]:
    out = dict(m)
    if m.get("role") == "tool" and isinstance(m.get("error"), str):
        out["error"] = {"type": "unknown", "message": m["error"]}
    return out


def _summary(sample: dict[str, Any]) -> dict[str, Any]:
    error = sample.get("error")
    return {
        "id": sample["id"], "epoch": sample["epoch"], "input": sample["input"],
        "target": sample["target"], "metadata": sample["metadata"],
        "scores": sample["scores"], "model_usage": sample["model_usage"],
        "total_time": sample.get("total_time"),
        "error": error["message"] if error else None,
        "completed": True, "message_count": len(sample["messages"]),
    }


def _error(error: Any) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"message": error.message, "traceback": error.traceback or "",
            "traceback_ansi": error.traceback or ""}
