"""Scoring a state from inside a plan, with the task's own scorers (agents check answers so)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._util.context import ContextField, sample_field
from ._task_state import TaskState

__all__ = ["score", "scorer_scope"]

_Scorer = Callable[[TaskState, Any], Awaitable[Any]]

_scorers: ContextField[list[tuple[str, _Scorer]]] = sample_field("scorers")


@contextmanager
def scorer_scope(scorers: list[tuple[str, _Scorer]]) -> Iterator[None]:
    """Make `scorers` (name, scorer) what `score()` uses inside the block."""
    token = _scorers.set(list(scorers))
    try:
        yield
    finally:
        _scorers.reset(token)


async def score(state: TaskState) -> list[Any]:
    """Score `state` with every scorer of the running task, in order (a list of Score).

    Raises RuntimeError when the task has no scorer (for example with `--no-score`).
    """
    scorers = _scorers.get()
    if not scorers:
        raise RuntimeError("the task has no scorer to check an answer with")
    results = [await fn(state, state.target) for _, fn in scorers]
    state.scores = {name: result for (name, _), result in zip(scorers, results, strict=True)}
    return results
