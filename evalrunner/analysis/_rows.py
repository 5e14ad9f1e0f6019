"""Logs as flat rows: one per sample, or one per task run. The rows behind `export` and the
data frames, so both always agree."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..log._model import EvalLog, EvalSample
from ._read import every_run, latest_runs, read_headers, read_samples


def select_logs(paths: str | Path | Sequence[str | Path], latest: bool = False,
                every: bool = False) -> tuple[list[EvalLog], list[str]]:
    """Headers of the logs among `paths`: files as named; from folders every run (a log a
    later one retried left out), only the latest run of each task and model with `latest`,
    or every log file with `every`. Also the files that could not be read."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    named = [p for p in items if not Path(p).is_dir()]
    folders = [p for p in items if Path(p).is_dir()]
    logs, errors = read_headers(named)
    found, more = read_headers(folders)
    chosen = found if every else latest_runs(found) if latest else every_run(found)
    return logs + chosen, errors + more


def eval_row(log: EvalLog) -> dict[str, Any]:
    """One task run: what ran, how it ended, each metric (`scorer/metric`), tokens."""
    spec, results = log.eval, log.results
    row: dict[str, Any] = {
        "task": spec.task, "model": spec.model, "run_id": spec.run_id, "log": log.location,
        "status": log.status, "created": spec.created, "epochs": spec.epochs,
        "total_samples": results.total_samples if results else 0,
        "completed_samples": results.completed_samples if results else 0,
        "error_samples": results.error_samples if results else 0,
    }
    row.update(flatten(spec.params, "params"))  # which variant of the task this run was
    for score in results.scores if results else []:
        for name, metric in score.metrics.items():
            row[f"{score.name}/{name}"] = metric.value
    usage = log.stats.model_usage.values()
    row["input_tokens"] = sum(u.input_tokens for u in usage)
    row["output_tokens"] = sum(u.output_tokens for u in usage)
    row["total_tokens"] = sum(u.total_tokens for u in usage)
    row["started_at"], row["completed_at"] = log.stats.started_at, log.stats.completed_at
    return row


def sample_rows(log: EvalLog) -> Iterator[dict[str, Any]]:
    """One row per sample and epoch of a log, streamed."""
    for sample in read_samples(str(log.location)):
        yield sample_row(log, sample)


def sample_row(log: EvalLog, sample: EvalSample) -> dict[str, Any]:
    row: dict[str, Any] = {
        "task": log.eval.task, "model": log.eval.model, "run_id": log.eval.run_id,
        "log": log.location, "id": sample.id, "epoch": sample.epoch,
        "input": sample.input if isinstance(sample.input, str)
        else "\n".join(m.text for m in sample.input),
        "target": sample.target if isinstance(sample.target, str)
        else " | ".join(sample.target),
        "answer": sample.output.completion,
    }
    row.update(flatten(log.eval.params, "params"))
    for name, score in sample.scores.items():
        row[f"score/{name}"] = None if score.unscored else score.value
        if score.answer is not None:
            row[f"score/{name}/answer"] = score.answer
        if score.unscored:
            row[f"score/{name}/unscored"] = True
    usage = sample.model_usage.values()
    row["input_tokens"] = sum(u.input_tokens for u in usage)
    row["output_tokens"] = sum(u.output_tokens for u in usage)
    row["total_tokens"] = sum(u.total_tokens for u in usage)
    row["total_time"] = sample.total_time
    row["error"] = sample.error.message if sample.error else None
    row["limit"] = sample.limit
    row.update(flatten(sample.metadata, "metadata"))
    return row


def flatten(value: Any, prefix: str) -> dict[str, Any]:
    """`{"a": {"b": 1}}` under `metadata` -> `{"metadata/a/b": 1}`; lists stay values."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}/{key}"))
        return out
    return {prefix: value}
