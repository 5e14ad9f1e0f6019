"""`stderr`: the standard error of the mean score."""

from __future__ import annotations

import math

from .._score import Score, value_to_float
from .._scorer import Metric, metric
from ._values import ToFloat, sample_std, scored_values


@metric
def stderr(to_float: ToFloat = value_to_float) -> Metric:
    """The standard error of the mean: sample std (n-1) over sqrt(n); 0 for a single sample."""

    def compute(scores: list[Score]) -> float:
        values = scored_values(scores, to_float, "stderr")
        return sample_std(values) / math.sqrt(len(values))

    return compute
