"""Early stopping: a task's manager may skip (sample, epoch) runs it has seen enough of.

The protocol is Inspect's `EarlyStopping`: the run tells the manager it starts, asks it
before each sample's epoch whether to run it (an `EarlyStop` says no, and why), tells it
each finished sample's scores, and at the end takes its summary, which the log keeps in
`results.early_stopping`. `epochs_agree` is the built-in manager (`early_stopping:
{agree: 3}`); any other is a Python factory named like a component (`stopping.py@make`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from ._score import Score


class EarlyStop(BaseModel):
    """A (sample, epoch) run the manager skipped."""

    id: int | str
    epoch: int
    reason: str | None = None
    metadata: dict[str, Any] | None = None


class EarlyStoppingSummary(BaseModel):
    """What a manager did, kept in the log's results."""

    manager: str
    early_stops: list[EarlyStop] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)


@runtime_checkable
class EarlyStopping(Protocol):
    async def start_task(self, task: str, samples: int | None, epochs: int) -> str:
        """Called once before any sample; returns the manager's name for the log."""

    async def schedule_sample(self, id: int | str, epoch: int) -> EarlyStop | None:
        """Before a sample's epoch runs: an EarlyStop skips it."""

    async def complete_sample(self, id: int | str, epoch: int, scores: dict[str, Score]) -> None:
        """After a sample's epoch finished (scores empty when it failed)."""

    async def complete_task(self) -> EarlyStoppingSummary:
        """Called once at the end; the summary goes into the log."""


class EpochsAgree:
    """Skip a sample's remaining epochs once `agree` of them gave the same scores.

    With `epochs: 10`, `agree: 3` stops after three epochs that agree (each scorer the same
    value): more epochs would almost surely reduce to the same score. Epochs already
    running when the agreement is reached still finish.
    """

    def __init__(self, agree: int) -> None:
        if agree < 1:
            raise ValueError("agree: give 1 or more epochs")
        self.agree = agree
        self._seen: dict[str, list[str]] = {}
        self._decided: set[str] = set()
        self._stops: list[EarlyStop] = []

    async def start_task(self, task: str, samples: int | None, epochs: int) -> str:
        return "epochs_agree"

    async def schedule_sample(self, id: int | str, epoch: int) -> EarlyStop | None:
        if str(id) not in self._decided:
            return None
        stop = EarlyStop(id=id, epoch=epoch,
                         reason=f"{self.agree} epochs agreed on the score")
        self._stops.append(stop)
        return stop

    async def complete_sample(self, id: int | str, epoch: int, scores: dict[str, Score]) -> None:
        if not scores:
            return
        seen = self._seen.setdefault(str(id), [])
        seen.append(json.dumps({k: s.value for k, s in scores.items()}, sort_keys=True,
                               default=str))
        if len(seen) >= self.agree and len(set(seen)) == 1:
            self._decided.add(str(id))

    async def complete_task(self) -> EarlyStoppingSummary:
        return EarlyStoppingSummary(manager="epochs_agree", early_stops=self._stops,
                                    metadata={"agree": self.agree})


def make_early_stopping(value: Any, base_dir: Path | None) -> EarlyStopping:
    """The manager an `early_stopping:` value names: `{agree: N}`, or a factory named
    like a component (`file.py@make`, `{file.py@make: {arguments}}`)."""
    from ..registry import resolve

    if isinstance(value, dict) and "agree" in value:
        if set(value) != {"agree"} or not isinstance(value["agree"], int):
            raise ValueError("early_stopping: write {agree: N}, N a number of epochs")
        return EpochsAgree(value["agree"])
    if isinstance(value, str):
        name, kwargs = value, {}
    elif isinstance(value, dict) and len(value) == 1:
        name, args = next(iter(value.items()))
        kwargs = dict(args or {}) if isinstance(args, dict) else {}
    else:
        raise ValueError("early_stopping: give {agree: N} or a manager (file.py@name)")
    factory = resolve("solver", name, base_dir).obj  # any Python function, by its name
    manager = factory(**kwargs)
    if not isinstance(manager, EarlyStopping):
        raise ValueError(f"early_stopping: {name} did not give a manager (start_task, "
                         "schedule_sample, complete_sample, complete_task)")
    return manager
