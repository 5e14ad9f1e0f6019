"""The results summary printed when a run ends."""

from __future__ import annotations

from datetime import datetime

from ..log._model import EvalLog


def summary_lines(log: EvalLog) -> list[str]:
    """A few plain lines per task: status, metrics per scorer, samples, tokens, time, log."""
    results = log.results
    samples = results.total_samples if results else 0
    lines = [f"{log.eval.task} ({log.eval.model}): {log.status}, {samples} samples"]
    for score in results.scores if results else []:
        metrics = ", ".join(
            f"{name}={_fmt(m.value)}" for name, m in score.metrics.items()
        )
        unscored = f" ({score.unscored_samples} unscored)" if score.unscored_samples else ""
        lines.append(f"  {score.name}: {metrics}{unscored}")
    if results and results.error_samples:
        lines.append(f"  errors: {results.error_samples} samples failed")
    for missed in results.missed_thresholds if results else []:
        lines.append(f"  threshold missed: {missed}")
    if log.error is not None:
        lines.append(f"  error: {log.error.message.splitlines()[0]}")
    tokens = sum(u.total_tokens for u in log.stats.model_usage.values())
    lines.append(f"  tokens: {tokens:,}  time: {_duration(log)}")
    if log.location:
        lines.append(f"  log: {log.location}")
    return lines


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _duration(log: EvalLog) -> str:
    try:
        start = datetime.fromisoformat(log.stats.started_at or "")
        end = datetime.fromisoformat(log.stats.completed_at or "")
    except ValueError:
        return "n/a"
    seconds = int((end - start).total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
