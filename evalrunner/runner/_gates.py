"""CI gates: minimum metric values (`thresholds:` in a suite, `--fail-under` on the CLI)."""

from __future__ import annotations

from ..log._model import EvalLog, EvalResults, EvalThreshold


def evaluate_thresholds(
    results: EvalResults | None, thresholds: dict[str, float]
) -> list[EvalThreshold]:
    """Check each threshold against every metric it names.

    A name is `metric` (that metric of every scorer, e.g. `accuracy`) or `scorer/metric`
    (`match/accuracy`, also `match/mean/accuracy` for an epoch reducer). A threshold passes
    when it matched at least one metric and every matched value is at least the minimum.
    """
    out: list[EvalThreshold] = []
    for name, minimum in thresholds.items():
        values: dict[str, float | int | None] = {}
        for score in results.scores if results else []:
            for metric_name, metric in score.metrics.items():
                if name in (metric_name, f"{score.name}/{metric_name}"):
                    values[f"{score.name}/{metric_name}"] = metric.value
        low = {k: v for k, v in values.items() if v is None or v < minimum}
        if not values:
            message = f"{name}: no such metric in the results"
        elif low:
            message = "; ".join(f"{k} = {_fmt(v)} < {minimum:g}" for k, v in low.items())
        else:
            message = None
        out.append(
            EvalThreshold(
                name=name, minimum=minimum, passed=message is None, values=values, message=message
            )
        )
    return out


def apply_thresholds(log: EvalLog, thresholds: dict[str, float]) -> None:
    """Record the thresholds and their outcome in a log's results (a miss is not an error)."""
    if log.results is None:
        return
    log.results.thresholds = evaluate_thresholds(log.results, thresholds)
    log.results.missed_thresholds = [
        t.message for t in log.results.thresholds if not t.passed and t.message
    ]


def gate_passed(log: EvalLog, gate_thresholds: bool = True) -> bool:
    """Whether a task counts as passed for the exit code: success and (optionally) no miss."""
    if log.status != "success":
        return False
    return not (gate_thresholds and log.results and log.results.missed_thresholds)


def _fmt(value: float | int | None) -> str:
    return "none" if value is None else f"{value:.4g}"
