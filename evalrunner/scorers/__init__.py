"""Scorers, metrics and epoch reducers."""

from ..solvers._task_state import Target
from ._early_stopping import EarlyStop, EarlyStopping, EarlyStoppingSummary
from ._score import CORRECT, INCORRECT, NOANSWER, PARTIAL, Score, value_to_float
from ._scorer import Metric, MetricValue, Scorer, metric, reducer, scorer, scorer_metrics

__all__ = [
    "CORRECT",
    "INCORRECT",
    "NOANSWER",
    "PARTIAL",
    "EarlyStop",
    "EarlyStopping",
    "EarlyStoppingSummary",
    "Metric",
    "MetricValue",
    "Score",
    "Scorer",
    "Target",
    "metric",
    "reducer",
    "scorer",
    "scorer_metrics",
    "value_to_float",
]
