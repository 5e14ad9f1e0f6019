"""`includes`: the target appears somewhere in the output."""

from __future__ import annotations

from ...solvers._task_state import Target, TaskState
from .._score import Score
from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr
from ._common import score_targets


@scorer(metrics=[accuracy(), stderr()])
def includes(ignore_case: bool = True) -> Scorer:
    """Correct when a target is a substring of the output (case-insensitive by default)."""

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion
        haystack = completion.casefold() if ignore_case else completion

        def check(value: str) -> tuple[bool, str | None]:
            needle = value.strip().casefold() if ignore_case else value.strip()
            found = needle in haystack
            return found, value.strip() if found else None

        return score_targets(completion, target, check)

    return score
