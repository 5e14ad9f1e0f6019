"""Combining the scores of one sample's epochs into one score, shared by the reducers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._score import CORRECT, INCORRECT, NOANSWER, PARTIAL, Score

ToFloat = Callable[[Any], float]
Statistic = Callable[[list[float]], float]
Reducer = Callable[[list[Score]], Score]

_LETTERS = (CORRECT, INCORRECT, PARTIAL, NOANSWER)
_LETTER_OF = {1.0: CORRECT, 0.5: PARTIAL, 0.0: INCORRECT}


def reduce_scores(
    scores: list[Score], statistic: Statistic, to_float: ToFloat, keep_letters: bool
) -> Score:
    """Apply `statistic` to the epochs' values: a number, or per key/position for dicts/lists.

    Unscored epochs take no part; with none scored the result is unscored too. With
    `keep_letters`, a result of letter-valued scores that is itself a letter's value
    (1, 0.5, 0) goes back to that letter, and keeps the answer of an epoch that had it.
    """
    if not scores:
        raise ValueError("no scores to reduce")
    scored = [score for score in scores if not score.unscored]
    if not scored:
        return Score(value=None, metadata={"unscored": True})
    values = [score.value for score in scored]
    if all(isinstance(v, dict) for v in values):
        return Score(value=_reduce_dicts(values, statistic, to_float))
    if all(isinstance(v, list) for v in values):
        return Score(value=_reduce_lists(values, statistic, to_float))
    result = statistic([to_float(v) for v in values])
    if not keep_letters:
        return Score(value=result)
    return _as_letter(result, scored, to_float)


def _as_letter(result: float, scored: list[Score], to_float: ToFloat) -> Score:
    letters = all(isinstance(s.value, str) and s.value in _LETTERS for s in scored)
    value: Any = _LETTER_OF.get(result, result) if letters else result
    chosen = next((s for s in scored if to_float(s.value) == result), None)
    if chosen is None:
        return Score(value=value)
    return Score(value=value, answer=chosen.answer, explanation=chosen.explanation)


def _reduce_dicts(values: list[Any], statistic: Statistic, to_float: ToFloat) -> dict[str, Any]:
    keys = list(dict.fromkeys(key for value in values for key in value))
    out: dict[str, Any] = {}
    for key in keys:
        present = [to_float(v[key]) for v in values if v.get(key) is not None]
        out[key] = statistic(present) if present else None
    return out


def _reduce_lists(values: list[Any], statistic: Statistic, to_float: ToFloat) -> list[Any]:
    if len({len(v) for v in values}) != 1:
        raise ValueError("cannot reduce list scores of different lengths")
    return [statistic([to_float(v[i]) for v in values]) for i in range(len(values[0]))]
