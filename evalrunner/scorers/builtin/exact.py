"""`exact`: the output, normalized, equals the target, normalized."""

from __future__ import annotations

from ...solvers._task_state import Target, TaskState
from .._score import Score
from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr
from ._common import score_targets
from ._text import normalize_exact


@scorer(metrics=[accuracy(), stderr()])
def exact() -> Scorer:
    """Correct when output and a target are equal once lower-cased, with punctuation,
    articles (a, an, the) and extra whitespace removed (the usual SQuAD normalization)."""

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion
        answer = normalize_exact(completion)

        def check(value: str) -> tuple[bool, str | None]:
            wanted = normalize_exact(value)
            return bool(wanted) and answer == wanted, completion.strip()

        return score_targets(completion, target, check)

    return score
