"""A Markdown table of a run's tasks, for CI step summaries (`--summary FILE`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .._util.secrets import redact
from ._junit import duration_seconds, task_label
from ._model import EvalLog

_ICON = {"success": "✅", "error": "❌", "cancelled": "⚠️", "started": "⚠️"}


def summary_markdown(logs: Sequence[EvalLog], gate_thresholds: bool = True) -> str:
    """A heading with the counts, then one table row per task."""
    passed = sum(1 for log in logs if _passed(log, gate_thresholds))
    lines = [
        f"### evalrunner: {len(logs)} task{'s' if len(logs) != 1 else ''}, "
        f"{passed} passed, {len(logs) - passed} failed",
        "",
        "| task | model | status | samples | metrics | thresholds | time |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for log in logs:
        lines.append("| " + " | ".join(_cell(c) for c in _row(log)) + " |")
    problems = [(log, log.error.message) for log in logs if log.error is not None]
    if problems:
        lines += ["", "**Errors**", ""]
        lines += [f"- `{task_label(log)}`: {_cell(message)}" for log, message in problems]
    return "\n".join(lines) + "\n"


def append_summary(logs: Sequence[EvalLog], path: str | Path, gate_thresholds: bool = True) -> None:
    """Append (not overwrite): CI step-summary files collect several steps' output."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(redact(summary_markdown(logs, gate_thresholds)) + "\n")


def _row(log: EvalLog) -> list[str]:
    results = log.results
    samples = f"{results.completed_samples}/{results.total_samples}" if results else "-"
    if results and results.error_samples:
        samples += f" ({results.error_samples} errors)"
    metrics = "<br>".join(
        f"{s.name}: " + ", ".join(f"{k} {_num(m.value)}" for k, m in s.metrics.items())
        + (f" ({s.unscored_samples} of {s.scored_samples + s.unscored_samples} unscored)"
           if s.unscored_samples else "")
        for s in (results.scores if results else [])
    )
    gates = "<br>".join(
        f"{'✅' if t.passed else '❌'} {t.name} ≥ {t.minimum:g}"
        for t in (results.thresholds if results else [])
    )
    seconds = duration_seconds(log)
    return [
        f"`{task_label(log)}`", log.eval.model, f"{_ICON.get(log.status, '')} {log.status}",
        samples, metrics or "-", gates or "-", f"{seconds:.0f}s",
    ]


def _passed(log: EvalLog, gate_thresholds: bool) -> bool:
    if log.status != "success":
        return False
    return not (gate_thresholds and log.results and log.results.missed_thresholds)


def _num(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
