"""`f1`: word-overlap F1 between the output and the target (SQuAD style)."""

from __future__ import annotations

from collections import Counter

from ...solvers._task_state import Target, TaskState
from .._score import Score
from .._scorer import Scorer, scorer
from ..metrics.mean import mean
from ..metrics.stderr import stderr
from ._text import normalize_exact


@scorer(metrics=[mean(), stderr()])
def f1() -> Scorer:
    """The F1 of the words shared by output and target, after SQuAD normalization.

    Precision is the share of the output's words found in the target, recall the share of
    the target's words found in the output (each word counted as often as it occurs). With
    several targets the best F1 counts. The value is a number between 0 and 1.
    """

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion
        said = normalize_exact(completion).split()
        best = max((f1_of(said, normalize_exact(t).split()) for t in target), default=0.0)
        return Score(value=best, answer=completion.strip(), explanation=completion)

    return score


def f1_of(said: list[str], wanted: list[str]) -> float:
    """F1 of two bags of words; two empty bags agree perfectly, one empty bag not at all."""
    if not said or not wanted:
        return 1.0 if said == wanted else 0.0
    shared = sum((Counter(said) & Counter(wanted)).values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(said), shared / len(wanted)
    return 2 * precision * recall / (precision + recall)
