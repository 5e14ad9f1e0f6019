"""`var`: the sample variance of the scores."""

from __future__ import annotations

from .._score import Score, value_to_float
from .._scorer import Metric, metric
from ._values import ToFloat, sample_variance, scored_values


@metric
def var(to_float: ToFloat = value_to_float) -> Metric:
    """The sample variance (denominator n-1) of the values; 0 for a single sample."""

    def compute(scores: list[Score]) -> float:
        return sample_variance(scored_values(scores, to_float, "var"))

    return compute
