"""Tiny components for the suite-loading tests, named in suites as `components.py@name`."""

from __future__ import annotations

from collections.abc import Callable

# From the subpackages: `evalrunner.solver` is both a subpackage and a decorator name.
from evalrunner.scorers import Metric, Score, Scorer, metric, reducer, scorer
from evalrunner.solvers import Generate, Solver, Target, TaskState, solver


async def _same(state: TaskState, generate: Generate) -> TaskState:
    return state


@solver
def shout(times: int = 1) -> Solver:
    return _same


@solver
def picky(shuffle: bool = False, seed: int | None = None, label: str = "plain") -> Solver:
    return _same


@solver
def needs(required: str, tags: tuple[str, ...] = ()) -> Solver:
    return _same


@solver(template_args=("template",), template_vars=("critique",))
def templated(template: str, extra: str | None = None) -> Solver:
    return _same


@scorer(metrics=[])
def exact(ignore_case: bool = True) -> Scorer:
    async def score(state: TaskState, target: Target) -> Score:
        return Score(value=1)

    return score


@metric
def count() -> Metric:
    def compute(scores: list[Score]) -> float:
        return float(len(scores))

    return compute


@reducer
def first() -> Callable[[list[Score]], Score]:
    def reduce(scores: list[Score]) -> Score:
        return scores[0]

    return reduce
