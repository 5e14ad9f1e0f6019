"""Editing a score by hand (a reviewer's correction), as Inspect's `edit_score` does: the
score changes, its history keeps every earlier version with who changed it and why, and
the log's metrics are computed again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..scorers._score import Score, Value
from ._model import EvalLog, EvalSample

Unchanged = Literal["UNCHANGED"]
UNCHANGED: Unchanged = "UNCHANGED"


class ProvenanceData(BaseModel):
    """Who made an edit, when and why."""

    timestamp: str = Field(default_factory=lambda: datetime.now(UTC).isoformat())
    author: str
    reason: str | None = None


class ScoreEdit(BaseModel):
    """A change to a score; fields left `UNCHANGED` keep their value."""

    value: Value | Unchanged | None = UNCHANGED
    answer: str | Unchanged | None = UNCHANGED
    explanation: str | Unchanged | None = UNCHANGED
    metadata: dict[str, Any] | Unchanged = UNCHANGED
    provenance: ProvenanceData | None = None


_FIELDS = ("value", "answer", "explanation", "metadata")


def edit_score(
    log: EvalLog,
    sample_id: int | str,
    score_name: str,
    edit: ScoreEdit,
    recompute_metrics: bool = True,
    epoch: int | None = None,
) -> None:
    """Edit (or add) the score `score_name` of a sample of `log` (read with its samples),
    in place; then compute the log's metrics again from its plan's scorers and metrics.

    Raises ValueError when the sample is not there, when `epoch` is needed (several
    epochs) and not given, when a new score has no value, or when the metrics cannot be
    computed again (a scorer the log names cannot be found).
    """
    sample = _sample(log, sample_id, epoch)
    score = sample.scores.get(score_name)
    if score is None:
        if edit.value == UNCHANGED:
            raise ValueError(f"cannot add the score '{score_name}' without a value")
        score = Score(value=edit.value, history=[])
        sample.scores[score_name] = score
    else:
        if not score.history:  # the scorer's own version comes first
            original = ScoreEdit(value=score.value, answer=score.answer,
                                 explanation=score.explanation, metadata=score.metadata or {})
            score.history = [original.model_dump(mode="json", exclude_none=True)]
    for field in _FIELDS:
        value = getattr(edit, field)
        if value != UNCHANGED:
            setattr(score, field, value)
    score.history = [*(score.history or []), edit.model_dump(mode="json", exclude_none=True)]
    if recompute_metrics:
        from ..runner._rescore import recompute_results

        recompute_results(log)


def _sample(log: EvalLog, sample_id: int | str, epoch: int | None) -> EvalSample:
    found = [s for s in log.samples if str(s.id) == str(sample_id)
             and (epoch is None or s.epoch == epoch)]
    if not found:
        where = f" epoch {epoch}" if epoch is not None else ""
        raise ValueError(f"no sample {sample_id}{where} in {log.location or 'the log'}")
    if len(found) > 1:
        raise ValueError(f"sample {sample_id} has {len(found)} epochs: give the epoch")
    return found[0]
