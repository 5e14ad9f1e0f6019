"""The loop every text scorer shares: a sample is correct when any of its targets matches."""

from __future__ import annotations

from collections.abc import Callable

from ...solvers._task_state import Target
from .._score import CORRECT, INCORRECT, Score

# Checks one target against the output: (matched, the answer read from the output).
Check = Callable[[str], tuple[bool, str | None]]


def score_targets(completion: str, target: Target, check: Check) -> Score:
    """C with the answer that matched, or I with the answer read for the last target.

    An empty target matches nothing: a sample without a target cannot be answered right.
    """
    answer: str | None = None
    for value in target:
        if not value.strip():
            continue
        matched, answer = check(value)
        if matched:
            return Score(value=CORRECT, answer=answer, explanation=completion)
    return Score(value=INCORRECT, answer=answer, explanation=completion)
