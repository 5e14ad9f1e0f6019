"""`match`: the target at the end (or beginning, or anywhere) of the output, or all of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, get_args

from ...solvers._task_state import Target, TaskState
from .._score import Score
from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr
from ._common import score_targets
from ._text import numbers, whole_number, words

Location = Literal["end", "begin", "exact", "any"]


@scorer(metrics=[accuracy(), stderr()])
def match(location: Location = "end", ignore_case: bool = True, numeric: bool = False) -> Scorer:
    """Correct when a target matches the output at `location`.

    Outputs and targets compare word by word: whitespace and punctuation only separate
    words, and case is folded unless `ignore_case` is false. With `numeric`, a target that
    is a number is compared numerically with the first (begin), last (end), any, or the
    only (exact) number of the output, ignoring thousands separators, `$` and a final `.`.
    """
    if location not in get_args(Location):
        raise ValueError(f"location must be one of {', '.join(get_args(Location))}")

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion

        def check(value: str) -> tuple[bool, str | None]:
            wanted = whole_number(value) if numeric else None
            if wanted is not None:
                return _match_number(completion, wanted, location)
            return _match_words(completion, value, location, ignore_case)

        return score_targets(completion, target, check)

    return score


def _match_number(completion: str, wanted: Decimal, location: Location) -> tuple[bool, str | None]:
    if location == "exact":
        value = whole_number(completion)
        return value is not None and value == wanted, completion.strip() or None
    found = numbers(completion)
    candidates = {"begin": found[:1], "end": found[-1:], "any": found}[location]
    for number in candidates:
        if number.value == wanted:
            return True, number.text
    return False, candidates[-1].text if candidates else None


def _match_words(
    completion: str, target: str, location: Location, ignore_case: bool
) -> tuple[bool, str | None]:
    said = words(completion, ignore_case)
    wanted = [w.text for w in words(target, ignore_case)]
    if not wanted:  # a target of punctuation only: compare it as written
        return _match_raw(completion, target, location, ignore_case)
    texts = [w.text for w in said]
    if location == "exact":
        return texts == wanted, completion.strip()
    size = len(wanted)
    last = len(said) - size
    starts = {"begin": [0], "end": [last], "any": range(last + 1)}[location]
    for start in starts:
        if start >= 0 and texts[start : start + size] == wanted:
            return True, completion[said[start].start : said[start + size - 1].end]
    if location == "any" or not said:
        return False, None
    window = said[:size] if location == "begin" else said[-size:]
    return False, completion[window[0].start : window[-1].end]


def _match_raw(
    completion: str, target: str, location: Location, ignore_case: bool
) -> tuple[bool, str | None]:
    text, want = completion.strip(), target.strip()
    if ignore_case:
        text, want = text.casefold(), want.casefold()
    matched = {
        "begin": text.startswith(want),
        "end": text.endswith(want),
        "exact": text == want,
        "any": want in text,
    }[location]
    return matched, completion.strip()
