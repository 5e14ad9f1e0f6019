"""`mean`: the average score."""

from __future__ import annotations

import statistics

from .._score import Score, value_to_float
from .._scorer import Metric, metric
from ._values import ToFloat, scored_values


@metric
def mean(to_float: ToFloat = value_to_float) -> Metric:
    """The arithmetic mean of the values as numbers."""

    def compute(scores: list[Score]) -> float:
        return statistics.fmean(scored_values(scores, to_float, "mean"))

    return compute
