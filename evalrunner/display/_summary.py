"""The results printed when a run ends: plain lines, or a rich table per task."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..log._model import EvalLog, EvalScore

_STATUS_STYLE = {"success": "green", "error": "red", "cancelled": "yellow", "started": "yellow"}


def summary_lines(log: EvalLog) -> list[str]:
    """A few plain lines per task: status, metrics per scorer, samples, tokens, time, log."""
    results = log.results
    samples = results.total_samples if results else 0
    lines = [f"{log.eval.task} ({log.eval.model}): {status_text(log)}, {samples} samples"]
    for score in results.scores if results else []:
        metrics = ", ".join(f"{name}={fmt(m.value)}" for name, m in score.metrics.items())
        unscored = f" ({_unscored_count(score)})" if score.unscored_samples else ""
        lines.append(f"  {score.name}: {metrics}{unscored}")
    lines += [f"  {line}" for line in _problems(log)]
    lines.append(f"  tokens: {tokens_text(log)}  time: {log_duration(log)}")
    if log.location:
        lines.append(f"  log: {log.location}")
    return lines


WIDE = 72  # a metrics table wider than this (an 80-column panel's inside) turns on its side


def summary_table(log: EvalLog) -> RenderableType:
    """The same facts as `summary_lines` but the log path (printed below it, unwrapped),
    as a panel with a metrics table."""
    parts: list[RenderableType] = []
    scores = log.results.scores if log.results else []
    if scores:
        parts.append(_metrics_table(scores))
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim", no_wrap=True)
    facts.add_column(overflow="fold")
    results = log.results
    done = f"{results.completed_samples}/{results.total_samples}" if results else "0"
    facts.add_row("samples", done)
    for line in _problems(log):
        key, _, value = line.partition(": ")
        facts.add_row(Text(key, style="red"), value)
    facts.add_row("tokens", tokens_text(log))
    facts.add_row("time", log_duration(log))
    parts.append(facts)
    style = _STATUS_STYLE.get(log.status, "white")
    status = status_text(log)
    if log.status == "success" and results and results.missed_thresholds:
        status, style = "success · threshold missed", "red"  # not a green success
    elif status != log.status and log.status == "success":
        style = "yellow"  # some samples have no score: not a plain green success
    title = Text.assemble((log.eval.task, "bold"), f" · {log.eval.model} · ", (status, style))
    return Panel(Group(*parts), title=title, title_align="left", border_style=style)


def _metrics_table(scores: list[EvalScore]) -> Table:
    """Scorers by metrics; when that is too wide for 80 columns, a row per scorer and
    metric instead, so no metric name is ever cut."""
    names = list(dict.fromkeys(name for s in scores for name in s.metrics))
    labels = [s.name + (f" ({_unscored_count(s)})" if s.unscored_samples else "")
              for s in scores]
    width = max(len(x) for x in ["scorer", *labels]) + sum(max(len(n), 7) + 1 for n in names)
    table = Table(box=None, pad_edge=False, header_style="bold")
    if width <= WIDE:
        table.add_column("scorer", overflow="fold")
        for name in names:
            table.add_column(name, justify="right", no_wrap=True)
        for s, label in zip(scores, labels, strict=True):
            values = [fmt(s.metrics[n].value) if n in s.metrics else "" for n in names]
            table.add_row(label, *values)
        return table
    table.add_column("scorer", overflow="fold")
    table.add_column("metric", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    for s, label in zip(scores, labels, strict=True):
        for i, (name, metric) in enumerate(s.metrics.items()):
            table.add_row(label if i == 0 else "", name, fmt(metric.value))
    return table


def runs_table(logs: list[EvalLog]) -> Table:
    """One row per task x model: status, samples and each metric, to compare at a glance."""
    columns = _metric_columns(logs)
    table = Table(box=None, pad_edge=False, header_style="bold", title_justify="left")
    for name in ("task", "model", "status", "samples"):
        table.add_column(name, overflow="fold")
    for name in columns:
        table.add_column(name, justify="right", overflow="fold")
    for log, row in zip(logs, runs_rows(logs, columns), strict=True):
        style = _STATUS_STYLE.get(log.status, "white")
        table.add_row(row[0], row[1], Text(row[2], style=style), *row[3:])
    return table


def runs_lines(logs: list[EvalLog]) -> list[str]:
    """`runs_table` as aligned plain text."""
    columns = _metric_columns(logs)
    rows = [["task", "model", "status", "samples", *columns], *runs_rows(logs, columns)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in rows]


def runs_rows(logs: list[EvalLog], columns: list[str]) -> list[list[str]]:
    out = []
    for log in logs:
        results = log.results
        values = _metric_values(log)
        status = log.status + (" (threshold missed)" if results and results.missed_thresholds
                               else "")
        done = f"{results.completed_samples}/{results.total_samples}" if results else "0"
        out.append([log.eval.task, log.eval.model, status, done,
                    *[values.get(c, "") for c in columns]])
    return out


def _metric_columns(logs: list[EvalLog]) -> list[str]:
    return list(dict.fromkeys(name for log in logs for name in _metric_values(log)))


def _metric_values(log: EvalLog) -> dict[str, str]:
    """`metric` when a log has one scorer, `scorer/metric` when it has several."""
    scores = log.results.scores if log.results else []
    several = len(scores) > 1
    return {
        (f"{s.name}/{name}" if several else name): fmt(m.value)
        for s in scores for name, m in s.metrics.items()
    }


def _problems(log: EvalLog) -> list[str]:
    out: list[str] = []
    results = log.results
    if results and results.error_samples:
        out.append(f"errors: {results.error_samples} samples failed")
    for missed in results.missed_thresholds if results else []:
        out.append(f"threshold missed: {missed}")
    if log.error is not None:
        out.append(f"error: {log.error.message.splitlines()[0] if log.error.message else ''}")
    for score in results.scores if results else []:
        if score.unscored_samples:
            out.append(f"unscored: {score.name}: {score.unscored_reason or 'no value'}")
    return out


def status_text(log: EvalLog) -> str:
    """The task's status, saying when a success left samples unscored (never silent)."""
    scores = log.results.scores if log.results else []
    unscored = max((s.unscored_samples for s in scores), default=0)
    if log.status == "success" and unscored:
        return f"success · {unscored} unscored"
    return log.status


def _unscored_count(score: EvalScore) -> str:
    total = score.scored_samples + score.unscored_samples
    return f"{score.unscored_samples} of {total} unscored"


def tokens_text(log: EvalLog) -> str:
    """`1,234 (model: 1,000 in, 234 out; ...)`: the total, then each model's share."""
    usage = log.stats.model_usage
    total = sum(u.total_tokens for u in usage.values())
    if not usage:
        return f"{total:,}"
    shares = "; ".join(
        f"{name}: {u.input_tokens:,} in, {u.output_tokens:,} out" for name, u in usage.items()
    )
    return f"{total:,} ({shares})"


def fmt(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def log_duration(log: EvalLog) -> str:
    try:
        start = datetime.fromisoformat(log.stats.started_at or "")
        end = datetime.fromisoformat(log.stats.completed_at or "")
    except ValueError:
        return "n/a"
    seconds = int((end - start).total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
