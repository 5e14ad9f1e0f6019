"""`choice`: the scorer of `multiple_choice` (the choices it marked against the target letters)."""

from __future__ import annotations

import re

from ...solvers._task_state import Target, TaskState
from .._score import CORRECT, INCORRECT, Score
from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@scorer(metrics=[accuracy(), stderr()])
def choice() -> Scorer:
    """C when the choices the model picked are exactly the target letters ("B", or ["A", "C"]).

    Reads what `multiple_choice` recorded on the choices, in their original order, so a
    shuffled presentation is scored against the dataset's letters.
    """

    async def score(state: TaskState, target: Target) -> Score:
        picked = [LETTERS[c.original_position] for c in state.choices if c.correct]
        if all(c.correct is None for c in state.choices):
            # A state rebuilt from a log (re-scoring): the marks live in the store.
            picked = list((state.store.get("multiple_choice") or {}).get("picked") or [])
        wanted = _target_letters(target)
        answer = ", ".join(picked) if picked else None
        ok = bool(picked) and set(picked) == wanted
        return Score(
            value=CORRECT if ok else INCORRECT,
            answer=answer,
            explanation=state.output.completion,
        )

    return score


def _target_letters(target: Target) -> set[str]:
    """Target letters, written as a list or as text like "A, C"."""
    return {letter.upper() for item in target for letter in re.findall(r"[A-Za-z]", item)}
