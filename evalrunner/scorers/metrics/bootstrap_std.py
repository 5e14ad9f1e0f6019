"""`bootstrap_std`: the standard deviation of a bootstrapped estimate of the mean."""

from __future__ import annotations

import random
import statistics

from .._score import Score, value_to_float
from .._scorer import Metric, metric
from ._values import ToFloat, scored_values


@metric
def bootstrap_std(
    num_samples: int = 1000, seed: int | None = 0, to_float: ToFloat = value_to_float
) -> Metric:
    """Resample the values with replacement `num_samples` times; the spread of the means.

    The result is the population standard deviation of the resampled means. `seed` makes it
    reproducible (so re-scoring a log gives the same figure); `null` draws a fresh one.
    """
    if num_samples < 1:
        raise ValueError("num_samples must be at least 1")

    def compute(scores: list[Score]) -> float:
        values = scored_values(scores, to_float, "bootstrap_std")
        rng = random.Random(seed)
        n = len(values)
        means = [statistics.fmean(rng.choices(values, k=n)) for _ in range(num_samples)]
        return statistics.pstdev(means)

    return compute
