"""`pattern`: read the answer with a regular expression and compare it with the target."""

from __future__ import annotations

import re

from ..._util.patterns import SuitePattern
from ...solvers._task_state import Target, TaskState
from .._score import CORRECT, INCORRECT, Score
from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr


@scorer(metrics=[accuracy(), stderr()])
def pattern(pattern: str, ignore_case: bool = True, match_all: bool = False) -> Scorer:
    """Search the output for `pattern` and compare what its groups captured with the target.

    Correct when a captured group equals a target (or, with `match_all`, when every
    group does); a pattern without groups compares the whole match. No match is incorrect.
    """
    try:  # the suite's pattern on the model's text: run with a time bound
        regex = SuitePattern(pattern, ignore_case=ignore_case)
    except re.error as ex:
        raise ValueError(f"invalid pattern {pattern!r}: {ex}") from None

    def same(text: str, value: str) -> bool:
        if ignore_case:
            return text.strip().casefold() == value.strip().casefold()
        return text.strip() == value.strip()

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion
        found = regex.search(completion)
        if found is None:
            return Score(value=INCORRECT, explanation=completion)
        groups = [g for g in found.groups() if g is not None] if regex.groups else [found.group()]
        targets = [t for t in target if t.strip()]

        def hits(group: str) -> bool:
            return any(same(group, value) for value in targets)

        if match_all:
            correct = bool(groups) and all(hits(g) for g in groups)
            answer = groups[0].strip() if correct else ", ".join(g.strip() for g in groups)
        else:
            hit = next((g for g in groups if hits(g)), None)
            correct = hit is not None
            answer = (hit if hit is not None else groups[0] if groups else "").strip()
        value = CORRECT if correct else INCORRECT
        return Score(value=value, answer=answer or None, explanation=completion)

    return score
