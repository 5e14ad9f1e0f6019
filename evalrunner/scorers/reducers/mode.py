"""The `mode` epoch reducer."""

from __future__ import annotations

import statistics

from .._score import value_to_float
from .._scorer import reducer
from ._reduce import Reducer, ToFloat, reduce_scores


@reducer(name="mode")
def mode_score(to_float: ToFloat = value_to_float) -> Reducer:
    """The most common of the epochs' values (the first seen on a tie)."""
    return lambda scores: reduce_scores(scores, statistics.mode, to_float, keep_letters=True)
