"""`std`: the sample standard deviation of the scores."""

from __future__ import annotations

from .._score import Score, value_to_float
from .._scorer import Metric, metric
from ._values import ToFloat, sample_std, scored_values


@metric
def std(to_float: ToFloat = value_to_float) -> Metric:
    """The sample standard deviation (denominator n-1) of the values; 0 for a single sample."""

    def compute(scores: list[Score]) -> float:
        return sample_std(scored_values(scores, to_float, "std"))

    return compute
