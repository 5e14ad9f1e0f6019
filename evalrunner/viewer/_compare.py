"""The viewer's comparison of logs: what `evalrunner compare` computes, as page data.

Per task: each run's metrics and stderr, the chart's bars, the paired differences, and a
sample table with one cell per run (its score values, answer and error), each row
marked when the runs disagree.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..analysis._compare import TaskComparison, compare_task, natural_key, run_order
from ..analysis._plot import chart_bars
from ..analysis._report import comparison_json
from ..log._model import EvalLog

if TYPE_CHECKING:
    from ._library import LogLibrary

MAX_LOGS = 12


def compare_view(library: LogLibrary, ids: list[str]) -> dict[str, Any]:
    """The comparison of the logs `ids` (relative to the library's folder), by task."""
    from ._library import NotFound

    if len(ids) < 2 or len(ids) > MAX_LOGS:
        raise NotFound(f"compare needs 2 to {MAX_LOGS} logs, got {len(ids)}")
    by_task: dict[str, list[tuple[str, EvalLog]]] = defaultdict(list)
    chosen = []
    for log_id in ids:
        path = library.path_of(log_id)
        log = library.header_of(path).model_copy()
        log.location = str(library.readable(path))
        chosen.append((log_id, log))
    # The order `evalrunner compare DIR` uses, whatever order the logs were ticked in.
    for log_id, log in sorted(chosen, key=lambda x: run_order(x[1])):
        by_task[log.eval.task].append((log_id, log))
    tasks = []
    for task, pairs in by_task.items():
        comparison = compare_task(task, [log for _, log in pairs])
        tasks.append(_task_view(comparison, [log_id for log_id, _ in pairs]))
    return {"tasks": tasks}


def _task_view(task: TaskComparison, ids: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = comparison_json([task])["tasks"][0]
    for run, log_id in zip(data["runs"], ids, strict=True):
        run["id"] = log_id
        run.pop("log", None)  # a path on the server's disk: the id is the page's address
    data["bars"] = [vars(b) for b in chart_bars([task])]
    data["scorers"] = task.scorers
    keys = sorted({k for run in task.runs for k in run.cells},
                  key=lambda k: (natural_key(k[0]), k[1]))
    rows = []
    for key in keys:
        found = [run.cells[key] for run in task.runs if key in run.cells]
        cells = {run.label: _cell(run.cells.get(key)) for run in task.runs}
        rows.append({"id": key[0], "epoch": key[1], "cells": cells,
                     "input": next((c.input for c in found if c.input), ""),
                     "disagree": _disagree(list(cells.values()), task.scorers)})
    data["samples"] = rows
    data["epochs"] = max((r.log.eval.epochs for r in task.runs), default=1)
    return data


def _cell(cell: Any) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {"n": cell.n, "scores": cell.scores, "answer": cell.answer[:240], "error": cell.error}


def _disagree(cells: list[dict[str, Any] | None], scorers: list[str]) -> bool:
    present = [c for c in cells if c is not None]
    if len({c["error"] is not None for c in present}) > 1:
        return True
    return any(
        len({c["scores"].get(s) for c in present if c["error"] is None}) > 1 for s in scorers
    )
