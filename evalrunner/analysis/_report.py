"""A comparison as terminal text and as JSON."""

from __future__ import annotations

from typing import Any

from ._compare import TaskComparison


def format_comparison(
    tasks: list[TaskComparison], disagreements: bool = False, max_samples: int = 50
) -> list[str]:
    """Per task: a table of models x metrics (value and stderr), the differences of every
    pair of models with their 95% intervals and the method, and on request the samples
    the models scored differently."""
    lines: list[str] = []
    for task in tasks:
        if lines:
            lines.append("")
        lines += _metrics_table(task)
        if task.pairs:
            lines += ["", *_pairs_table(task)]
        if disagreements:
            lines += ["", *_disagreements(task, max_samples)]
    return lines


def _metrics_table(task: TaskComparison) -> list[str]:
    header = ["model", "status", "samples"]
    columns: list[tuple[str, str]] = []
    for scorer in task.scorers:
        names = [n for run in task.runs for n in run.metrics(scorer) if n != "stderr"]
        columns += [(scorer, n) for n in dict.fromkeys(names)]
    several = len(task.scorers) > 1
    header += [f"{s}/{n}" if several else n for s, n in columns]
    header += [f"{s}/stderr" if several else "stderr" for s in task.scorers]
    rows = [header]
    for run in task.runs:
        results = run.log.results
        row = [run.label, run.log.status,
               f"{results.completed_samples}/{results.total_samples}" if results else "0"]
        row += [_num(run.metric(s, n)) for s, n in columns]
        row += [_num(run.stderr(s)) for s in task.scorers]
        rows.append(row)
    return [f"task {task.task}", *_aligned(rows, right_from=2)]


def _pairs_table(task: TaskComparison) -> list[str]:
    rows = [["B - A", "scorer", "n", "B-A", "95% interval", "p"]]
    methods: list[str] = []
    for pair in task.pairs:
        i = pair.interval
        rows.append([
            f"{pair.b.label} - {pair.a.label}", pair.scorer, str(i.n), f"{i.delta:+.3f}",
            f"[{i.low:+.3f}, {i.high:+.3f}]", "-" if i.p_value is None else f"{i.p_value:.3f}",
        ])
        methods.append(i.method)
    return [*_aligned(rows, right_from=2),
            *[f"method: {m}" for m in dict.fromkeys(methods)]]


def _disagreements(task: TaskComparison, max_samples: int) -> list[str]:
    shown = task.disagreements[:max_samples]
    lines = [f"samples scored differently: {len(task.disagreements)}"]
    if shown:
        rows = [["id", "scorer", *[run.label for run in task.runs]]]
        rows += [[d.id, d.scorer, *[d.values.get(run.label, "-") for run in task.runs]]
                 for d in shown]
        lines += ["  " + line for line in _aligned(rows, right_from=99)]
    if len(task.disagreements) > max_samples:
        lines.append(f"  ... and {len(task.disagreements) - max_samples} more (--json lists all)")
    return lines


def _aligned(rows: list[list[str]], right_from: int) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.rjust(w) if i >= right_from else cell.ljust(w)
                  for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def comparison_json(tasks: list[TaskComparison]) -> dict[str, Any]:
    """Everything the text shows, and every disagreement."""
    return {"tasks": [
        {
            "task": task.task,
            "runs": [
                {
                    "label": run.label, "model": run.model, "log": run.log.location,
                    "status": run.log.status,
                    "samples": run.log.results.total_samples if run.log.results else 0,
                    "metrics": {s: run.metrics(s) for s in task.scorers},
                    "stderr": {s: run.stderr(s) for s in task.scorers},
                }
                for run in task.runs
            ],
            "pairs": [
                {
                    "a": p.a.label, "b": p.b.label, "scorer": p.scorer, "n": p.interval.n,
                    "delta": p.interval.delta, "ci95": [p.interval.low, p.interval.high],
                    "p_value": p.interval.p_value, "method": p.interval.method,
                }
                for p in task.pairs
            ],
            "disagreements": [
                {"id": d.id, "scorer": d.scorer, "values": d.values} for d in task.disagreements
            ],
        }
        for task in tasks
    ]}
