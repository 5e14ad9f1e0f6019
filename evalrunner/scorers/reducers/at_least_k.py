"""The `at_least_{k}` epoch reducers (`at_least_2`, ...)."""

from __future__ import annotations

from .._score import Score, value_to_float
from .._scorer import reducer
from ._reduce import Reducer, ToFloat


@reducer(name="at_least_k")
def at_least_k(k: int, value: float = 1.0, to_float: ToFloat = value_to_float) -> Reducer:
    """1 when at least k epochs reach `value` (correct, by default), else 0.

    Written in a suite as `at_least_2`.
    """
    if k < 1:
        raise ValueError("at_least_k needs k >= 1")

    def reduce(scores: list[Score]) -> Score:
        scored = [s for s in scores if not s.unscored]
        if not scored:
            return Score(value=None, metadata={"unscored": True})
        hits = sum(1 for s in scored if to_float(s.value) >= value)
        return Score(value=1.0 if hits >= k else 0.0)

    return reduce
