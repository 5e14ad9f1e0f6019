"""The `median` epoch reducer."""

from __future__ import annotations

import statistics

from .._score import value_to_float
from .._scorer import reducer
from ._reduce import Reducer, ToFloat, reduce_scores


@reducer(name="median")
def median_score(to_float: ToFloat = value_to_float) -> Reducer:
    """The median of the epochs' values; C/I scores give back a letter when it is one."""
    return lambda scores: reduce_scores(scores, statistics.median, to_float, keep_letters=True)
