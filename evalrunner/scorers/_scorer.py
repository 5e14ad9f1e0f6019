"""The scorer and metric protocols and their decorators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar, overload

from ..registry._decorators import registering_decorator
from ..solvers._task_state import Target, TaskState
from ._score import Score

Scorer = Callable[[TaskState, Target], Awaitable[Score]]
MetricValue = float | int | dict[str, float]
Metric = Callable[[list[Score]], MetricValue]
# A scorer's metrics: a list (applied to the value, or to each key of a dict value), or
# Inspect's `{"key": [metrics]}` for a scorer whose values are dicts.
ScorerMetrics = list[Metric] | dict[str, list[Metric]]

F = TypeVar("F", bound=Callable[..., Any])


@overload
def scorer(fn: F) -> F: ...
@overload
def scorer(
    fn: None = None,
    *,
    metrics: Sequence[Any] | Mapping[str, Sequence[Any]] = (),
    name: str | None = None,
    template_vars: tuple[str, ...] = (),
    template_args: tuple[str, ...] = (),
    component_args: Mapping[str, str] | None = None,
) -> Callable[[F], F]: ...
def scorer(
    fn: F | None = None,
    *,
    metrics: Sequence[Any] | Mapping[str, Sequence[Any]] = (),
    name: str | None = None,
    template_vars: tuple[str, ...] = (),
    template_args: tuple[str, ...] = (),
    component_args: Mapping[str, str] | None = None,
) -> Any:
    """Register a scorer factory; `metrics` are its default metrics (instances).

    For a scorer whose values are dicts, `metrics={"key": [mean()], ...}` gives each key
    its own metrics (as in Inspect); a list applies to every key. `template_vars`,
    `template_args` and `component_args` mean what they mean for @solver.
    """
    declared: ScorerMetrics = (
        {str(k): list(v) for k, v in metrics.items()} if isinstance(metrics, Mapping)
        else list(metrics))
    return registering_decorator(
        "scorer",
        fn,
        name,
        metrics=declared,
        template_vars=template_vars,
        template_args=template_args,
        component_args=dict(component_args or {}),
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


def scorer_metrics(scorer_fn: Scorer) -> ScorerMetrics:
    """The metrics a scorer was declared with: a list, or lists by key of a dict value."""
    declared = getattr(scorer_fn, "__registry_metrics__", None) or []
    if isinstance(declared, dict):
        return {key: list(value) for key, value in declared.items()}
    return list(declared)


def chosen_metrics(chosen: Sequence[tuple[str | None, Metric]], scorer_fn: Scorer
                   ) -> ScorerMetrics:
    """A scorer's metrics in a task: the task's `metrics:` (a list, or by key when each
    came with its key), else the scorer's own."""
    if not chosen:
        return scorer_metrics(scorer_fn)
    if all(key is None for key, _ in chosen):
        return [metric for _, metric in chosen]
    keyed: dict[str, list[Metric]] = {}
    for key, metric in chosen:
        keyed.setdefault(key or "", []).append(metric)
    return keyed


def metric_names(metrics: ScorerMetrics) -> list[str]:
    """The names a scorer's metrics are shown under: `metric`, or `key/metric` by key."""
    if isinstance(metrics, dict):
        return [f"{key}/{name_of_metric(m)}" for key, ms in metrics.items() for m in ms]
    return [name_of_metric(m) for m in metrics]
