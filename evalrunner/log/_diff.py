"""Comparing two logs: metric deltas with confidence intervals, and changed samples."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..analysis._stats import difference
from ..scorers._score import value_to_float
from ._io import read_eval_log, read_eval_log_samples
from ._model import EvalLog

# Metrics that are the mean of the per-sample score values: their delta gets an interval.
MEAN_METRICS = ("accuracy", "mean")
ERROR = "error"  # the value shown for a sample that failed


@dataclass
class MetricDelta:
    name: str  # scorer/metric
    a: float | None
    b: float | None
    delta: float | None
    ci: tuple[float, float] | None = None
    paired: bool = False
    method: str | None = None  # how the interval was made
    p_value: float | None = None


@dataclass
class SampleChange:
    id: str
    epoch: int
    scorer: str
    a: Any
    b: Any


@dataclass
class LogDiff:
    a: EvalLog
    b: EvalLog
    metrics: list[MetricDelta] = field(default_factory=list)
    changed: list[SampleChange] = field(default_factory=list)
    only_a: int = 0  # (sample, epoch) pairs in one log only
    only_b: int = 0


def diff_logs(location_a: str, location_b: str) -> LogDiff:
    """Compare log B against log A (B minus A), streaming both logs' samples."""
    a, b = read_eval_log(location_a, header_only=True), read_eval_log(location_b, header_only=True)
    result = LogDiff(a=a, b=b)
    values_a: dict[tuple[str, int], dict[str, Any]] = {
        (str(s.id), s.epoch): _values(s.error is not None, s.scores)
        for s in read_eval_log_samples(location_a)
    }
    per_sample_a, per_sample_b = _per_sample(values_a.items()), None
    values_b: dict[tuple[str, int], dict[str, Any]] = {}
    for s in read_eval_log_samples(location_b):
        key = (str(s.id), s.epoch)
        values_b[key] = _values(s.error is not None, s.scores)
        before = values_a.get(key)
        if before is None:
            result.only_b += 1
            continue
        for scorer in sorted(set(before) | set(values_b[key])):
            old, new = before.get(scorer), values_b[key].get(scorer)
            if old != new:
                result.changed.append(SampleChange(key[0], key[1], scorer, old, new))
    result.only_a = len(set(values_a) - set(values_b))
    per_sample_b = _per_sample(values_b.items())
    result.metrics = _metric_deltas(a, b, per_sample_a, per_sample_b)
    return result


def _values(errored: bool, scores: dict[str, Any]) -> dict[str, Any]:
    if errored:
        return {"": ERROR}
    return {name: score.value for name, score in scores.items()}


def _per_sample(items: Any) -> dict[str, dict[str, float]]:
    """scorer -> sample id -> the mean of its epochs' values (numeric values only)."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (sample_id, _), values in items:
        for scorer, value in values.items():
            try:  # converted first: an unscored value must not leave an empty list behind
                number = value_to_float(value)
            except (ValueError, TypeError):
                continue
            sums[scorer][sample_id].append(number)
    return {s: {i: sum(v) / len(v) for i, v in per.items()} for s, per in sums.items()}


def _metric_deltas(
    a: EvalLog,
    b: EvalLog,
    samples_a: dict[str, dict[str, float]],
    samples_b: dict[str, dict[str, float]],
) -> list[MetricDelta]:
    metrics_a = _metric_values(a)
    metrics_b = _metric_values(b)
    out: list[MetricDelta] = []
    for name in dict.fromkeys([*metrics_a, *metrics_b]):
        va, vb = metrics_a.get(name), metrics_b.get(name)
        delta = vb - va if va is not None and vb is not None else None
        row = MetricDelta(name, va, vb, delta)
        scorer, _, metric = name.rpartition("/")
        if delta is not None and metric in MEAN_METRICS:
            base = scorer.split("/")[0]
            interval = difference(samples_a.get(base, {}), samples_b.get(base, {}),
                                  pair_shared=False)
            if interval is not None:
                # Centred on the metrics' own difference, which may count samples the
                # per-sample values leave out (an unscored sample, say).
                shift = delta - interval.delta
                row.ci = (interval.low + shift, interval.high + shift)
                row.paired = "unpaired" not in interval.method
                row.method, row.p_value = interval.method, interval.p_value
        out.append(row)
    return out


def _metric_values(log: EvalLog) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for score in log.results.scores if log.results else []:
        for name, metric in score.metrics.items():
            value = metric.value
            out[f"{score.name}/{name}"] = float(value) if isinstance(value, int | float) else None
    return out


def format_diff(diff: LogDiff, max_samples: int = 50) -> list[str]:
    """The diff as plain lines for a terminal or a CI log."""
    lines = [
        f"A: {diff.a.eval.task} ({diff.a.eval.model}) {diff.a.location}",
        f"B: {diff.b.eval.task} ({diff.b.eval.model}) {diff.b.location}",
        "",
        f"{'metric':32} {'A':>8} {'B':>8} {'B-A':>8}  95% interval",
    ]
    for m in diff.metrics:
        ci = f"[{m.ci[0]:+.3f}, {m.ci[1]:+.3f}]{' paired' if m.paired else ''}" if m.ci else ""
        if m.p_value is not None:
            ci += f"  p={m.p_value:.3f}"
        lines.append(f"{m.name:32} {_num(m.a):>8} {_num(m.b):>8} {_num(m.delta, True):>8}  {ci}")
    lines.append("")
    lines.append(f"samples whose score changed: {len(diff.changed)}")
    for c in diff.changed[:max_samples]:
        scorer = c.scorer or "sample"
        lines.append(f"  id {c.id} epoch {c.epoch} {scorer}: {_val(c.a)} -> {_val(c.b)}")
    if len(diff.changed) > max_samples:
        lines.append(f"  ... and {len(diff.changed) - max_samples} more (--json lists all)")
    if diff.only_a or diff.only_b:
        lines.append(f"samples only in A: {diff.only_a}, only in B: {diff.only_b}")
    methods = list(dict.fromkeys(m.method for m in diff.metrics if m.method))
    lines += [f"interval: {method}" for method in methods]
    return lines


def diff_json(diff: LogDiff) -> dict[str, Any]:
    return {
        "a": diff.a.location,
        "b": diff.b.location,
        "metrics": [
            {"name": m.name, "a": m.a, "b": m.b, "delta": m.delta,
             "ci95": list(m.ci) if m.ci else None, "paired": m.paired,
             "method": m.method, "p_value": m.p_value}
            for m in diff.metrics
        ],
        "changed": [vars(c) for c in diff.changed],
        "only_a": diff.only_a,
        "only_b": diff.only_b,
    }


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _val(value: Any) -> str:
    return "(none)" if value is None else str(value)
