"""What every built-in metric starts from: the scored values as numbers."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any

from .._score import Score

ToFloat = Callable[[Any], float]


def scored_values(scores: list[Score], to_float: ToFloat, metric: str) -> list[float]:
    """The values of the scored samples; unscored ones (an unparsable grade) take no part."""
    values = [to_float(score.value) for score in scores if not score.unscored]
    if not values:
        raise ValueError(f"{metric}: no scored sample to compute it over")
    return values


def sample_variance(values: list[float]) -> float:
    """The variance with n-1 in the denominator; 0 for a single value."""
    return statistics.variance(values) if len(values) > 1 else 0.0


def sample_std(values: list[float]) -> float:
    return math.sqrt(sample_variance(values))
