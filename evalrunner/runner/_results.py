"""From sample scores to a task's results: epoch reduction, metrics, thresholds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..log._model import EvalMetric, EvalResults, EvalSample, EvalScore
from ..registry import resolve
from ..scorers._score import Score
from ..scorers._scorer import Metric, ScorerMetrics, name_of_metric


@dataclass
class ScoreBook:
    """The scores of a run, trimmed to what metrics need, grouped by scorer and sample."""

    scores: dict[str, dict[str, list[Score]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    total: int = 0
    completed: int = 0
    errors: int = 0

    def add(self, sample: EvalSample) -> None:
        self.total += 1
        if sample.error is not None:
            self.errors += 1
            return
        self.completed += 1
        key = str(sample.id)
        # The sample's scalar metadata, shared by its scores, for metrics that group by it.
        grouping = {k: v for k, v in (sample.metadata or {}).items()
                    if isinstance(v, str | int | float | bool)}
        for name, score in sample.scores.items():
            # Metrics get the whole score (answer, explanation, metadata), as in Inspect, and
            # the sample's metadata beside the score's own.
            meta = {**(score.metadata or {}), **({"sample_metadata": grouping} if grouping
                                                 else {})}
            self.scores[name][key].append(score.model_copy(update={"metadata": meta or None}))


def compute_results(
    book: ScoreBook,
    scorer_metrics: dict[str, ScorerMetrics],
    reducers: list[str],
    base_dir: Path | None = None,
    planned: int | None = None,
) -> EvalResults:
    """Reduce epochs with each reducer, then apply each scorer's metrics.

    `base_dir` is the suite's folder, where a `file.py@name` reducer is found. `planned` is
    how many samples the task has in all (epochs included): a cancelled or stopped run's
    total, which says `461/2000`, not `461/461`.
    """
    total = max(book.total, planned or 0)
    results = EvalResults(
        total_samples=total, completed_samples=book.completed, error_samples=book.errors
    )
    multi_epoch = any(len(v) > 1 for per in book.scores.values() for v in per.values())
    for scorer_name, metrics in scorer_metrics.items():
        per_sample = book.scores.get(scorer_name, {})
        for reducer_name in reducers if multi_epoch else [None]:
            reduced = _reduce(per_sample, reducer_name, base_dir)
            results.scores.extend(_entries(scorer_name, reducer_name, reduced, metrics))
    return results


def _entries(
    scorer_name: str, reducer: str | None, scores: list[Score], metrics: ScorerMetrics
) -> list[EvalScore]:
    """One results entry for the scorer, or one per key when its values are dicts.

    As in Inspect, a key's entry is named by the key; its metrics are the key's own
    (`metrics={"key": [...]}`) or, given as a list, the same for every key.
    """
    dicts = [s.value for s in scores if isinstance(s.value, dict)]
    if not isinstance(metrics, dict) and not dicts:
        return [_score_metrics(scorer_name, scorer_name, reducer, scores, metrics)]
    keys = list(metrics) if isinstance(metrics, dict) else list(
        dict.fromkeys(key for value in dicts for key in value))
    out = []
    for key in keys:
        per_key = [s.model_copy(update={"value": _key_value(s.value, key)}) for s in scores]
        chosen = metrics[key] if isinstance(metrics, dict) else metrics
        out.append(_score_metrics(key, scorer_name, reducer, per_key, chosen))
    return out


def _key_value(value: Any, key: str) -> Any:
    if not isinstance(value, dict):  # a dict metric on a plain value: that key is missing
        return None
    return value.get(key)


def _reduce(
    per_sample: dict[str, list[Score]], reducer_name: str | None, base_dir: Path | None
) -> list[Score]:
    if reducer_name is None:
        return [s for scores in per_sample.values() for s in scores]
    reducer = resolve("reducer", reducer_name, base_dir).obj()
    return [_with_sample_metadata(reducer(scores), scores) for scores in per_sample.values()]


def reduce_epochs(
    per_sample: dict[str, list[Score]], reducer_name: str, base_dir: Path | None
) -> list[Score]:
    """Each sample's epochs reduced to one score by the named reducer, in the order given
    (the reductions a `.eval` log records beside its results)."""
    return _reduce(per_sample, reducer_name, base_dir)


def _with_sample_metadata(reduced: Score, epochs: list[Score]) -> Score:
    """A reducer's score keeps the sample's metadata, for metrics that group by it, and
    why its epochs went unscored."""
    kept = (epochs[0].metadata or {}).get("sample_metadata") if epochs else None
    if kept:
        reduced.metadata = {**(reduced.metadata or {}), "sample_metadata": kept}
    if reduced.unscored and epochs:  # the epochs' reason stays with their reduced score
        reduced.metadata = {**(reduced.metadata or {}),
                            "unscored_reason": _unscored_reason(epochs)}
    return reduced


def _score_metrics(
    name: str, scorer_name: str, reducer: str | None, scores: list[Score], metrics: list[Metric]
) -> EvalScore:
    scored = [s for s in scores if not s.unscored]
    entry = EvalScore(
        name=name if reducer is None else f"{name}/{reducer}",
        scorer=scorer_name,
        reducer=reducer,
        scored_samples=len(scored),
        unscored_samples=len(scores) - len(scored),
        unscored_reason=_unscored_reason(scores) if len(scored) < len(scores) else None,
    )
    for metric in metrics:
        name = name_of_metric(metric)
        value: Any = metric(scored) if scored else None
        if isinstance(value, dict):
            for key, sub in value.items():
                entry.metrics[f"{name}/{key}"] = EvalMetric(name=f"{name}/{key}", value=sub)
        else:
            entry.metrics[name] = EvalMetric(name=name, value=value)
    return entry


def _unscored_reason(scores: list[Score]) -> str:
    """Why samples went unscored: the first reason a scorer gave, else that it gave none."""
    for score in scores:
        reason = (score.metadata or {}).get("unscored_reason") if score.unscored else None
        if reason:
            return str(reason)
    return "the scorer gave no value"


def check_thresholds(results: EvalResults | None, thresholds: dict[str, float]) -> list[str]:
    """Each threshold missed, as text. A name is `metric` (any scorer) or `scorer/metric`."""
    missed: list[str] = []
    for name, minimum in thresholds.items():
        found = False
        for score in results.scores if results else []:
            for metric_name, metric in score.metrics.items():
                if name not in (metric_name, f"{score.name}/{metric_name}"):
                    continue
                found = True
                if metric.value is None or metric.value < minimum:
                    missed.append(f"{score.name}/{metric_name} = {metric.value} < {minimum}")
        if not found:
            missed.append(f"{name}: no such metric in the results")
    return missed
