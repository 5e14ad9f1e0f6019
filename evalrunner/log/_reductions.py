"""The `reductions` of an Inspect log: each scorer's score per sample once its epochs are
reduced, as the results' metrics saw them (`reductions.json` in a `.eval` file)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..scorers._score import Score
from ._model import EvalLog

_SCORE_FIELDS = ("value", "answer", "explanation", "metadata")


def inspect_reductions(log: EvalLog, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per scorer and reducer, from samples (or their summaries) in Inspect's
    shape. A run of one epoch has one entry per scorer with no reducer, the scores as they
    are, as its results have; errored samples have no scores, so none here either."""
    ids: dict[str, Any] = {}
    by_scorer: dict[str, dict[str, list[Score]]] = {}
    for row in rows:
        if row.get("error"):
            continue
        key = str(row["id"])
        ids.setdefault(key, row["id"])
        for name, score in (row.get("scores") or {}).items():
            fields = {k: score[k] for k in _SCORE_FIELDS if score.get(k) is not None}
            by_scorer.setdefault(name, {}).setdefault(key, []).append(Score(**fields))
    multi_epoch = any(len(v) > 1 for per in by_scorer.values() for v in per.values())
    reducers: list[str | None] = list(log.eval.epochs_reducer) if multi_epoch else [None]
    out: list[dict[str, Any]] = []
    for scorer, per_sample in by_scorer.items():
        for reducer in reducers:
            reduced = _reduce(log, per_sample, reducer)
            if reduced is None:
                continue
            out.append({"scorer": scorer, "reducer": reducer, "samples": [
                {**score.model_dump(exclude_none=True, exclude={"history"}),
                 "sample_id": ids[key]} for key, score in zip(per_sample, reduced, strict=True)
            ]})
    return out


def _reduce(log: EvalLog, per_sample: dict[str, list[Score]],
            reducer: str | None) -> list[Score] | None:
    if reducer is None:
        return [scores[0] for scores in per_sample.values()]
    from ..runner._results import reduce_epochs  # the runner's own reduction, not a copy

    suite_file = log.eval.suite_file
    base_dir = Path(suite_file).parent if suite_file else Path.cwd()
    try:
        return reduce_epochs(per_sample, reducer, base_dir)
    except (LookupError, ValueError, TypeError):
        # A reducer from a file not found here (a log moved from another machine): the
        # log is still written, without this reduction, rather than not at all.
        return None
