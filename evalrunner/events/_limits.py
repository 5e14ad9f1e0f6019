"""Limits on what a sample's model calls spend: turns, tokens, cost and working time.

The one place these are counted and checked: every model call counts its turn, tokens and
cost here (`count_call`), and every model call first checks them (`check_limits`; a tool
call its working time); `TaskState.token_limit` and `completed` read the same tally. The runner
opens a scope per sample for its plan (scorers run outside it, so a sample that hit a
limit is still scored). Working time is wall time less the time spent waiting for a
connection slot or a retry's back-off, which depend on other samples and on the provider.
(The message limit is the conversation's length, a property of the state, not of a call.)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._util.context import ContextField, sample_field
from ._calls import note_wait

if TYPE_CHECKING:
    from ..model._output import ModelUsage


class LimitExceededError(Exception):
    """A limit was reached: the sample's plan ends here (it is still scored)."""

    def __init__(self, type: str, limit: float | None, message: str) -> None:
        super().__init__(message)
        self.type = type
        self.limit = limit


class UnpricedModelError(ValueError):
    """A cost limit is set but a model in play has no price: the limit could never apply."""


def default_turns(turns: int) -> None:
    """Bound the current sample's turns by `turns` unless a turn limit is set already."""
    limits = _active.get()
    if limits is not None and limits.turns is None:
        limits.turns, limits.turns_default = turns, True


@dataclass
class SampleLimits:
    """The limits of one sample and what it has used so far.

    `prices` maps a model name to USD per million `input` and `output` tokens.
    """

    turns: int | None = None
    tokens: int | None = None
    cost: float | None = None
    working: float | None = None
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    turns_default: bool = False  # turns is the agent loops' default bound, not the user's
    turns_used: int = 0
    tokens_used: int = 0
    cost_used: float = 0.0
    waiting: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def working_time(self) -> float:
        return time.monotonic() - self.started - self.waiting

    def exceeded(self, working_only: bool = False) -> LimitExceededError | None:
        if self.working is not None and self.working_time() >= self.working:
            return LimitExceededError(
                "working", self.working, f"working time limit of {self.working:g}s reached"
            )
        if working_only:
            return None
        if self.turns is not None and self.turns_used >= self.turns:
            why = (" (the default bound of agent loops: raise it with limits: {turns: N} or "
                   "--turn-limit N)") if self.turns_default else ""
            return LimitExceededError("turns", self.turns,
                                      f"turn limit of {self.turns} reached{why}")
        if self.tokens_reached():
            return LimitExceededError("tokens", self.tokens,
                                      f"tokens limit of {self.tokens} reached")
        if self.cost is not None and self.cost_used >= self.cost:
            return LimitExceededError(
                "cost", self.cost, f"cost limit of ${self.cost:g} reached (${self.cost_used:.6g})"
            )
        return None

    def tokens_reached(self) -> bool:
        return self.tokens is not None and self.tokens_used >= self.tokens

    def price(self, model: str, usage: ModelUsage) -> float | None:
        rates = self.prices.get(model)
        if rates is None:
            return None
        return (usage.input_tokens * rates.get("input", 0.0)
                + usage.output_tokens * rates.get("output", 0.0)) / 1_000_000


_active: ContextField[SampleLimits | None] = sample_field("limits")


def active_limits() -> SampleLimits | None:
    return _active.get()


@contextmanager
def limits_scope(limits: SampleLimits | None) -> Iterator[None]:
    token = _active.set(limits)
    try:
        yield
    finally:
        _active.reset(token)


def check_limits(working_only: bool = False) -> None:
    """Raise LimitExceededError if the current sample has reached a limit.

    Before a tool call only working time counts: turns and cost are spent by model calls,
    and the calls of the turn that reached them still get their results.
    """
    limits = _active.get()
    if limits is not None and (error := limits.exceeded(working_only)) is not None:
        raise error


def count_call(model: str, usage: ModelUsage | None, priced: bool = True) -> float | None:
    """Count one model call against the sample's turns, tokens and (if `priced`: not a
    cached reply) cost; returns its cost if priced. Every call of the sample counts,
    whichever solver, role or agent made it."""
    limits = _active.get()
    if limits is None:
        return None
    limits.turns_used += 1
    if usage is not None:
        limits.tokens_used += usage.total_tokens
    if not priced:
        return None
    if limits.cost is not None and model not in limits.prices:
        # Validate refuses this for the task's model; a role's model can still get here.
        raise UnpricedModelError(f"cost limit of ${limits.cost:g} cannot apply: no price "
                                 f"for model {model} (add it under prices:)")
    cost = limits.price(model, usage) if usage is not None else None
    if cost is not None:
        limits.cost_used += cost
    return cost


def add_waiting(seconds: float) -> None:
    """Time the sample spent waiting on others (a connection slot, a retry's back-off)."""
    note_wait(seconds)  # the model event of the call waiting says so too
    limits = _active.get()
    if limits is not None and seconds > 0:
        limits.waiting += seconds
