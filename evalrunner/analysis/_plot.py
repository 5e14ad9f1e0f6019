"""Metrics per model with error bars, drawn with matplotlib (the `plot` extra)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._compare import TaskComparison

FORMATS = (".png", ".svg")


@dataclass(frozen=True)
class Bar:
    """One bar of the chart: a model's value of a task's main metric, ± 1.96 stderr."""

    task: str
    scorer: str
    metric: str
    model: str
    value: float
    error: float | None


def chart_bars(tasks: list[TaskComparison]) -> list[Bar]:
    """The bars the terminal plot and the viewer chart draw: per task and scorer, the first
    metric that is not a stderr, per model."""
    bars: list[Bar] = []
    for task in tasks:
        for scorer in task.scorers:
            names = [n for run in task.runs for n in run.metrics(scorer) if n != "stderr"]
            if not names:
                continue
            metric = names[0]
            for run in task.runs:
                value = run.metric(scorer, metric)
                if value is None:
                    continue
                se = run.stderr(scorer)
                bars.append(Bar(task.task, scorer, metric, run.label, value,
                                None if se is None else 1.959964 * se))
    return bars


def plot_comparison(tasks: list[TaskComparison], out: str | Path) -> None:
    """Draw grouped bars (a group per task and scorer, a bar per model) to `out`."""
    out = Path(out)
    if out.suffix not in FORMATS:
        raise ValueError(f"{out}: use a .png or .svg file name")
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: files only
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "drawing plots needs matplotlib: pip install 'evalrunner[plot]'") from None
    bars = chart_bars(tasks)
    if not bars:
        raise ValueError("the logs have no metrics to plot")
    groups = list(dict.fromkeys((b.task, b.scorer, b.metric) for b in bars))
    models = list(dict.fromkeys(b.model for b in bars))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(groups) + 2), 3.6), dpi=120)
    for m, model in enumerate(models):
        xs, ys, errs = [], [], []
        for g, group in enumerate(groups):
            bar = next((b for b in bars if (b.task, b.scorer, b.metric) == group
                        and b.model == model), None)
            if bar is not None:
                xs.append(g + (m - (len(models) - 1) / 2) * width)
                ys.append(bar.value)
                errs.append(bar.error or 0.0)
        ax.bar(xs, ys, width=width * 0.95, yerr=errs, capsize=3, label=model)
    ax.set_xticks(range(len(groups)))
    several_scorers = len({g[1] for g in groups}) > 1
    ax.set_xticklabels([f"{t}\n{s}/{m}" if several_scorers else f"{t}\n{m}"
                        for t, s, m in groups])
    ax.set_ylabel("value (error bars: 95% interval)")
    if all(0.0 <= b.value <= 1.0 for b in bars):
        ax.set_ylim(0, 1.05)
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.18),
              ncol=min(3, len(models)), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format=out.suffix[1:], bbox_inches="tight")
    plt.close(fig)
