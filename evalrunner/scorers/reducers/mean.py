"""The `mean` epoch reducer."""

from __future__ import annotations

import statistics

from .._score import value_to_float
from .._scorer import reducer
from ._reduce import Reducer, ToFloat, reduce_scores


@reducer(name="mean")
def mean_score(to_float: ToFloat = value_to_float) -> Reducer:
    """The mean of the epochs' values (C/I become 1/0: the result is a number)."""
    return lambda scores: reduce_scores(scores, statistics.fmean, to_float, keep_letters=False)
