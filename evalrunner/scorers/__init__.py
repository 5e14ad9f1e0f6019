"""Scorers, metrics and epoch reducers. The built-in scorers (`match`, `includes`, ...) and
metrics (`accuracy`, `mean`, `std`, ...) are importable from here too, as from Inspect's
`inspect_ai.scorer`."""

from typing import Any

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


def __getattr__(name: str) -> Any:
    """A built-in scorer or metric by name, through the registry."""
    from ..registry import UnknownNameError, resolve

    if not name.startswith("_"):
        for kind in ("scorer", "metric"):
            try:
                return resolve(kind, name).obj  # type: ignore[arg-type]
            except UnknownNameError:
                pass
    raise AttributeError(f"module 'evalrunner.scorers' has no attribute {name!r}")
