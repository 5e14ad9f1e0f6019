"""pandas DataFrames of logs (the `analysis` extra): one row per sample, or per task run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._rows import eval_row, sample_rows, select_logs

Paths = str | Path | Sequence[str | Path]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError("data frames need pandas: pip install 'evalrunner[analysis]'") from None
    return pandas


def _logs(paths: Paths, every: bool) -> list[Any]:
    logs, errors = select_logs(paths, every)
    if errors:
        raise ValueError("\n".join(errors))
    return logs


def samples_df(paths: Paths, every: bool = False) -> Any:
    """A DataFrame with one row per sample and epoch of the logs at `paths` (files, or
    folders: the latest run of each task and model there, every log with `every`).

    Columns: task, model, run_id, log, id, epoch, input, target, answer, `score/<scorer>`
    (the value as logged; None when unscored), `score/<scorer>/answer`, tokens, total_time,
    error, limit and `metadata/<key>` (nested keys joined with `/`). Reads evalrunner's
    logs and Inspect's `.json` and `.eval` logs.
    """
    rows = [row for log in _logs(paths, every) for row in sample_rows(log)]
    return _pandas().DataFrame(rows)


def evals_df(paths: Paths, every: bool = False) -> Any:
    """A DataFrame with one row per task run: task, model, status, sample counts, each
    metric as `<scorer>/<metric>`, tokens and times."""
    return _pandas().DataFrame([eval_row(log) for log in _logs(paths, every)])
