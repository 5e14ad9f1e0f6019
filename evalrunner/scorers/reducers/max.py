"""The `max` epoch reducer."""

from __future__ import annotations

from .._score import value_to_float
from .._scorer import reducer
from ._reduce import Reducer, ToFloat, reduce_scores


@reducer(name="max")
def max_score(to_float: ToFloat = value_to_float) -> Reducer:
    """The best of the epochs' values: correct in any epoch is correct."""
    return lambda scores: reduce_scores(scores, max, to_float, keep_letters=True)
