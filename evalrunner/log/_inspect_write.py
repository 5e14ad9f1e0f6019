"""evalrunner logs in Inspect's shape: `.eval` (written as a run goes, or exported) and
`.json` (exported, one document).

A `.eval` file is a zip (`_zip.py` appends to it and never rewrites it):

    _journal/start.json          the header as the run starts (eval, plan)
    samples/<id>_epoch_<n>.json  one per sample, written as it finishes
    _journal/summaries/<k>.json  the summaries of each batch of samples written
    summaries.json               all summaries, at the end
    reductions.json              each scorer's score per sample, its epochs reduced
    header.json                  the whole header with results, stats and status, at the end

What Inspect's models have no field for rides along under an `evalrunner` key (Inspect's
reader ignores it): the whole evalrunner header in `header.json` and `start.json`, and a
sample's limit name, retries of errors, compactions and its scores as evalrunner keeps
them. Reading a `.eval` file back therefore gives the same log.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from .. import __version__
from .._util.secrets import redact
from ._inspect_events import LIMIT_TYPES, inspect_output, to_inspect
from ._model import EvalLog, EvalSample
from ._reductions import inspect_reductions
from ._zip import ZipAppender, read_member

INSPECT_VERSION = 2  # Inspect's log format version
_HEADER_ONLY = {"samples", "status", "results", "stats", "logging", "error"}
_SAMPLE_EXTRAS = ("limit", "error_retries", "compactions", "started_at", "scores")


def write_inspect_log(log: EvalLog, samples: Iterable[EvalSample], out: str | Path) -> int:
    """Write `log` (a header) and `samples` to `out` (`.eval` or `.json`); returns the
    number of samples written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".json":
        rows = [inspect_sample(s) for s in samples]
        document = {**inspect_header(log), "samples": rows,
                    "reductions": inspect_reductions(log, rows) or None}
        text = json.dumps(document, indent=2, default=str)
        out.write_text(redact(text), encoding="utf-8")
        return len(rows)
    count = 0
    with open(out, "w+b") as f:
        writer = EvalFileWriter(f)
        writer.start(log)
        batch: list[EvalSample] = []
        for sample in samples:
            batch.append(sample)
            count += 1
            if len(batch) >= 100:
                writer.samples(batch)
                batch = []
        writer.samples(batch)
        writer.finish(log)
    return count


class EvalFileWriter:
    """Writes a `.eval` log into a file opened `w+b`, append only: each call leaves a file
    that `read_eval_log` reads whole (the directory written by `checkpoint` and `finish`
    lets other zip readers see it too)."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self._zip = ZipAppender()
        self._journals: list[str] = []

    def _add(self, name: str, data: Any) -> None:
        # Every member passes through `redact`, as every line of a JSON log does.
        text = redact(json.dumps(data, separators=(",", ":"), ensure_ascii=False,
                                 default=str))
        self._f.write(self._zip.member(name, text.encode("utf-8")))

    def start(self, log: EvalLog) -> None:
        header = inspect_header(log, trailer=False)
        self._add("_journal/start.json", header)
        self.checkpoint()

    def samples(self, samples: list[EvalSample]) -> None:
        if not samples:
            return
        summaries = []
        for sample in samples:
            data = inspect_sample(sample)
            self._add(f"samples/{data['id']}_epoch_{data['epoch']}.json", data)
            summaries.append(_summary(data))
        name = f"_journal/summaries/{len(self._journals) + 1}.json"
        self._add(name, summaries)
        self._journals.append(name)

    def checkpoint(self) -> None:
        """A central directory of what is written so far: any zip reader opens the file."""
        self._f.write(self._zip.directory())

    def finish(self, log: EvalLog) -> None:
        summaries = self._all_summaries()
        self._add("summaries.json", summaries)
        if reductions := inspect_reductions(log, summaries):
            self._add("reductions.json", reductions)
        self._add("header.json", inspect_header(log))
        self._f.write(self._zip.directory())  # always: the finished log's directory

    def _all_summaries(self) -> list[Any]:
        # Read back from the file rather than kept: a big run's summaries stay off the heap
        # until this one moment.
        end = self._f.tell()
        self._f.flush()
        wanted = set(self._journals)
        out: list[Any] = []
        for member in self._zip.members:
            if member.name in wanted:
                out += json.loads(read_member(self._f, member) or b"[]")
        self._f.seek(end)
        return out


def inspect_header(log: EvalLog, trailer: bool = True) -> dict[str, Any]:
    spec = log.eval
    config: dict[str, Any] = {"epochs": spec.epochs, "epochs_reducer": spec.epochs_reducer}
    if spec.limit:
        config["limit"] = list(spec.limit)
    if spec.sample_ids:
        config["sample_id"] = list(spec.sample_ids)
    eval_ = {
        "run_id": spec.run_id, "eval_id": spec.run_id, "created": spec.created,
        "task": spec.task, "task_id": spec.run_id, "task_version": 0,
        "task_file": spec.suite_file, "task_args": spec.params, "tags": spec.tags,
        "dataset": {"name": spec.dataset.name, "location": spec.dataset.location,
                    "samples": spec.dataset.samples, "shuffled": spec.dataset.shuffled},
        "model": spec.model, "model_base_url": spec.model_base_url,
        "model_args": spec.model_args,
        "model_roles": {r: {"model": m if isinstance(m, str) else m.get("model", "")}
                        for r, m in spec.model_roles.items()} or None,
        "config": config,
        "packages": {"evalrunner": __version__},
        "scorers": [{"name": s.name, "options": s.args} for s in log.plan.scorers],
        "metadata": {"suite": spec.suite, "models": spec.models} if spec.models else None,
    }
    plan = {"name": "plan", "steps": [{"solver": s.name, "params": s.args}
                                      for s in log.plan.steps], "config": spec.config}
    native = log.model_dump(mode="json", exclude=_HEADER_ONLY if not trailer else {"samples"})
    out: dict[str, Any] = {"version": INSPECT_VERSION, "eval": eval_, "plan": plan}
    if trailer:
        out.update(status=log.status, results=_results(log), stats=_stats(log),
                   error=_error(log.error))
    out["evalrunner"] = native
    return out


def _results(log: EvalLog) -> dict[str, Any] | None:
    results = log.results
    if results is None:
        return None
    return {
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
    }


def _stats(log: EvalLog) -> dict[str, Any]:
    return {
        "started_at": log.stats.started_at or "",
        "completed_at": log.stats.completed_at or "",
        "model_usage": {k: u.model_dump() for k, u in log.stats.model_usage.items()},
    }


def inspect_sample(sample: EvalSample) -> dict[str, Any]:
    data = sample.model_dump(mode="json", exclude_none=True)
    out: dict[str, Any] = {
        "id": sample.id, "epoch": sample.epoch,
        "input": [_message(m) for m in data["input"]] if isinstance(data["input"], list)
        else data["input"],
        "target": sample.target,
        "messages": [_message(m) for m in data.get("messages", [])],
        "output": inspect_output(data["output"]),
        "scores": {k: {f: v for f, v in s.items() if f != "metadata" or v}
                   for k, s in data.get("scores", {}).items() if s.get("value") is not None},
        "metadata": data.get("metadata", {}),
        "store": data.get("store", {}),
        "events": to_inspect(data.get("events", []), sample.started_at, data.get("scores")),
        "model_usage": data.get("model_usage", {}),
        "attachments": {},
    }
    if sample.choices is not None:
        out["choices"] = sample.choices
    if sample.total_time is not None:
        out["total_time"] = sample.total_time
    if sample.error is not None:
        out["error"] = _error(sample.error)
    if sample.limit:
        out["limit"] = {"type": LIMIT_TYPES.get(sample.limit, "custom"), "limit": 0}
    extras = {k: data[k] for k in _SAMPLE_EXTRAS if data.get(k)}
    if extras:
        out["evalrunner"] = extras
    return out


def _message(m: dict[str, Any]) -> dict[str, Any]:
    out = dict(m)
    if m.get("role") == "tool" and isinstance(m.get("error"), str):
        out["error"] = {"type": "unknown", "message": m["error"]}
    return out


def _summary(sample: dict[str, Any]) -> dict[str, Any]:
    error = sample.get("error")
    text = sample["input"]
    return {
        "id": sample["id"], "epoch": sample["epoch"],
        "input": text if not isinstance(text, str) or len(text) <= 500 else text[:500] + "...",
        "target": sample["target"], "metadata": {},
        "scores": sample["scores"], "model_usage": sample["model_usage"],
        "total_time": sample.get("total_time"),
        "error": error["message"] if error else None,
        "limit": sample["limit"]["type"] if sample.get("limit") else None,
        "completed": True, "message_count": len(sample["messages"]),
    }


def _error(error: Any) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"message": error.message, "traceback": error.traceback or "",
            "traceback_ansi": error.traceback or ""}
