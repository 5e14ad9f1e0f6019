"""`evalrunner logs merge`: join the shard logs of one task into one log.

Metrics are computed again from the merged samples (a mean of shard means, or of shard
standard errors, would be wrong), with the metrics and epoch reducers the shards were run
with, and the thresholds are checked again on the whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..log._io import read_eval_log, read_eval_log_samples
from ..log._model import EvalError, EvalLog, EvalStats, Status
from ..log._writer import LogWriter
from ..registry import resolve
from ..scorers._scorer import Metric, ScorerMetrics, chosen_metrics
from ._gates import apply_thresholds
from ._results import ScoreBook, compute_results

_WORST: list[Status] = ["started", "error", "cancelled", "success"]  # first found wins


class MergeError(Exception):
    """Logs that cannot be merged (different tasks, missing or repeated shards)."""


def merge_logs(
    locations: Sequence[str], output: str | None = None, partial: bool = False
) -> EvalLog:
    """Merge shard logs into one new log (at `output`, or beside the first) and return it."""
    headers = [read_eval_log(loc, header_only=True) for loc in locations]
    check_mergeable(headers, partial)
    merged = _header(headers)
    location = output or _default_location(merged, str(headers[0].location))
    writer = LogWriter(location)
    writer.start(merged)
    book = ScoreBook()
    seen: set[tuple[str, int]] = set()
    for loc in locations:
        for sample in read_eval_log_samples(loc):
            key = (str(sample.id), sample.epoch)
            if key in seen:
                writer.finish(merged)
                raise MergeError(f"{loc}: sample {sample.id} epoch {sample.epoch} is in two logs")
            seen.add(key)
            writer.write_sample(sample)
            book.add(sample)
    scored = next((h for h in headers if h.results and h.results.scores), headers[0])
    merged.results = compute_results(
        book, metrics_of(scored), merged.eval.epochs_reducer, _base_dir(scored)
    )
    _status(merged, headers)
    if merged.status == "success":
        apply_thresholds(merged, merged.eval.thresholds)
    writer.finish(merged)
    merged.location = location
    return merged


def check_mergeable(headers: list[EvalLog], partial: bool) -> None:
    """Same task, suite hash, model and shard count; every shard exactly once."""
    if not headers:
        raise MergeError("no logs to merge")
    first = headers[0].eval
    for log in headers[1:]:
        spec = log.eval
        for what, a, b in (
            ("task", first.task, spec.task),
            ("task hash", first.stamp.task_hash, spec.stamp.task_hash),
            ("model", first.model, spec.model),
            ("epochs", first.epochs, spec.epochs),
        ):
            if a != b:
                raise MergeError(
                    f"{log.location}: {what} '{b}' differs from '{a}' in {headers[0].location}"
                )
    shards = [tuple(h.eval.shard) for h in headers if h.eval.shard]
    if not shards:
        return
    if len(shards) != len(headers) or len({n for _, n in shards}) != 1:
        raise MergeError("every log must come from the same --shard i/n split")
    count = shards[0][1]
    indexes = sorted(i for i, _ in shards)
    if len(set(indexes)) != len(indexes):
        raise MergeError(f"a shard appears twice: {indexes}")
    missing = sorted(set(range(1, count + 1)) - set(indexes))
    if missing and not partial:
        raise MergeError(f"shards missing of {count}: {missing} (use --partial to merge anyway)")


def metrics_of(log: EvalLog) -> dict[str, ScorerMetrics]:
    """The metric functions each scorer was computed with, created again from the plan."""
    from ..template import template_search
    from ._rescore import scorers_of_plan

    base_dir = _base_dir(log)
    scored = {s.scorer for s in log.results.scores} if log.results else set()
    with template_search(base_dir):
        named = scorers_of_plan(log.plan.scorers, base_dir)
        task_metrics = [(step.key, _metric(step.name, step.args, base_dir))
                        for step in log.plan.metrics]
    # Task-level metrics replace each scorer's own, as in the run.
    return {name: chosen_metrics(task_metrics, fn) for name, fn in named if name in scored}


def _metric(name: str, args: dict[str, object], base_dir: Path) -> Metric:
    positional = [v for k, v in args.items() if k.startswith("$")]
    keywords = {k: v for k, v in args.items() if not k.startswith("$")}
    metric: Metric = resolve("metric", name, base_dir).obj(*positional, **keywords)
    return metric


def _base_dir(log: EvalLog) -> Path:
    return Path(log.eval.suite_file).parent if log.eval.suite_file else Path.cwd()


def _header(headers: list[EvalLog]) -> EvalLog:
    first = headers[0]
    created = datetime.now(UTC).isoformat(timespec="seconds")
    spec = first.eval.model_copy(
        update={
            "run_id": uuid.uuid4().hex[:16],
            "created": created,
            "shard": None,
            "merged_from": [str(h.location) for h in headers],
        }
    )
    return EvalLog(eval=spec, plan=first.plan, stats=_stats(headers),
                   logging=[m for h in headers for m in h.logging])


def _stats(headers: list[EvalLog]) -> EvalStats:
    stats = EvalStats()
    starts = [h.stats.started_at for h in headers if h.stats.started_at]
    ends = [h.stats.completed_at for h in headers if h.stats.completed_at]
    stats.started_at = min(starts) if starts else None
    stats.completed_at = max(ends) if ends else None
    for h in headers:
        for name, usage in h.stats.model_usage.items():
            known = stats.model_usage.get(name)
            stats.model_usage[name] = known + usage if known else usage
        for url, counts in h.stats.replicas.items():
            seen = stats.replicas.get(url)
            stats.replicas[url] = seen + counts if seen else counts
        for name, calls in h.stats.models.items():
            total = stats.models.get(name)
            stats.models[name] = calls if total is None else total + calls
    return stats


def _status(merged: EvalLog, headers: list[EvalLog]) -> None:
    statuses = {h.status for h in headers}
    merged.status = next(s for s in _WORST if s in statuses)
    failed = [h for h in headers if h.error is not None]
    if failed:
        merged.error = EvalError(
            message="; ".join(f"{h.location}: {h.error.message}" for h in failed if h.error),
            traceback=failed[0].error.traceback if failed[0].error else None,
        )


def _default_location(log: EvalLog, first: str) -> str:
    folder = first.rsplit("/", 1)[0] if "/" in first else "."
    stamp = log.eval.created.replace(":", "-").replace("+00-00", "")
    suffix = ".eval" if first.endswith(".eval") else ".json"  # the shards' format
    return f"{folder}/{stamp}_{log.eval.task}_{log.eval.run_id}{suffix}"
