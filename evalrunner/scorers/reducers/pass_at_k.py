"""The `pass_at_{k}` epoch reducers (`pass_at_1`, `pass_at_5`, ...)."""

from __future__ import annotations

from math import comb

from .._score import Score, value_to_float
from .._scorer import reducer
from ._reduce import Reducer, ToFloat


@reducer(name="pass_at_k")
def pass_at_k(k: int, value: float = 1.0, to_float: ToFloat = value_to_float) -> Reducer:
    """The chance that at least one of k epochs drawn from the n run is correct.

    Unbiased estimate from n epochs of which c reach `value`: 1 - C(n-c, k) / C(n, k)
    (1 when fewer than k epochs failed). Written in a suite as `pass_at_3`.
    """
    if k < 1:
        raise ValueError("pass_at_k needs k >= 1")

    def reduce(scores: list[Score]) -> Score:
        scored = [s for s in scores if not s.unscored]
        if not scored:
            return Score(value=None, metadata={"unscored": True})
        n = len(scored)
        c = sum(1 for s in scored if to_float(s.value) >= value)
        estimate = 1.0 if n - c < k else 1.0 - comb(n - c, k) / comb(n, k)
        return Score(value=estimate)

    return reduce
