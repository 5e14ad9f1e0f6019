"""`multi_scorer`: several scorers score each sample, and a reducer makes one score of them."""

from __future__ import annotations

import asyncio
from typing import Any

from ...registry import resolve
from ...solvers._task_state import Target, TaskState
from ...solvers.builtin._entries import make_scorers
from ...template import suite_folder
from .._score import Score
from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr


@scorer(metrics=[accuracy(), stderr()], component_args={"scorers": "scorer"})
def multi_scorer(scorers: list[Any], reducer: Any = "mode") -> Scorer:
    """Score with every one of `scorers` (scorers or entries), then reduce their scores.

    `reducer` is an epoch reducer's name or the reducer itself, as in Inspect: `mode` is
    a majority vote (the grade most scorers gave; the first of the tied on a tie), `mean`,
    `median`, `max`, `at_least_k`, `pass_at_k` the same as across epochs. Each scorer's
    own score is kept in `metadata["scores"]`.
    """
    made = make_scorers(scorers)
    if not made:
        raise ValueError("scorers: give at least one scorer")
    reduce = (resolve("reducer", reducer, suite_folder()).obj() if isinstance(reducer, str)
              else reducer)

    async def score(state: TaskState, target: Target) -> Score:
        scores: list[Score] = list(await asyncio.gather(*(s(state, target) for s in made)))
        result: Score = reduce(scores)
        kept = [s.model_dump(exclude_none=True) for s in scores]
        result.metadata = {**(result.metadata or {}), "scores": kept}
        if result.explanation is None:
            result.explanation = "\n\n".join(s.explanation for s in scores if s.explanation)
        return result

    return score
