"""`accuracy`: the proportion of correct answers."""

from __future__ import annotations

import statistics

from .._score import Score, value_to_float
from .._scorer import Metric, metric
from ._values import ToFloat, scored_values


@metric
def accuracy(to_float: ToFloat = value_to_float) -> Metric:
    """The mean of the values as numbers: C=1, P=0.5, I and N=0 (or what `to_float` says)."""

    def compute(scores: list[Score]) -> float:
        return statistics.fmean(scored_values(scores, to_float, "accuracy"))

    return compute
