"""The scorer and metric protocols and their decorators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload

from ..registry._decorators import registering_decorator
from ..solvers._task_state import Target, TaskState
from ._score import Score

Scorer = Callable[[TaskState, Target], Awaitable[Score]]
MetricValue = float | int | dict[str, float]
Metric = Callable[[list[Score]], MetricValue]

F = TypeVar("F", bound=Callable[..., Any])


@overload
def scorer(fn: F) -> F: ...
@overload
def scorer(
    fn: None = None,
    *,
    metrics: Sequence[Any] = (),
    name: str | None = None,
    template_vars: tuple[str, ...] = (),
    template_args: tuple[str, ...] = (),
) -> Callable[[F], F]: ...
def scorer(
    fn: F | None = None,
    *,
    metrics: Sequence[Any] = (),
    name: str | None = None,
    template_vars: tuple[str, ...] = (),
    template_args: tuple[str, ...] = (),
) -> Any:
    """Register a scorer factory; `metrics` are its default metrics (instances).

    `template_vars` and `template_args` mean what they mean for @solver.
    """
    return registering_decorator(
        "scorer",
        fn,
        name,
        metrics=list(metrics),
        template_vars=template_vars,
        template_args=template_args,
    )


@overload
def metric(fn: F) -> F: ...
@overload
def metric(
    fn: None = None, *, name: str | None = None, metric_args: tuple[str, ...] = ()
) -> Callable[[F], F]: ...
def metric(
    fn: F | None = None, *, name: str | None = None, metric_args: tuple[str, ...] = ()
) -> Any:
    """Register a metric factory: a function returning `compute(scores) -> float`.

    `compute` may also return a dict of named figures (shown as `metric/key`). A compute
    function with a `metric_name` attribute is shown under that name instead of the
    factory's. `metric_args` names arguments that are themselves metric entries (like
    `grouped`'s `metric`), which a suite checks when it loads.
    """
    return registering_decorator("metric", fn, name, metric_args=metric_args)


@overload
def reducer(fn: F) -> F: ...
@overload
def reducer(fn: None = None, *, name: str | None = None) -> Callable[[F], F]: ...
def reducer(fn: F | None = None, *, name: str | None = None) -> Any:
    """Register an epoch reducer factory: `reduce(scores) -> Score`."""
    return registering_decorator("reducer", fn, name)


def name_of_metric(metric: Metric) -> str:
    """The name a metric's figures are shown under in results (and named by thresholds)."""
    from ..registry import registry_name_of

    return str(getattr(metric, "metric_name", None) or registry_name_of(metric))


def scorer_metrics(scorer_fn: Scorer) -> list[Metric]:
    """The metrics a scorer was declared with."""
    return list(getattr(scorer_fn, "__registry_metrics__", []) or [])
