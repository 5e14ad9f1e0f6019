"""The per-sample store, and the sample being solved in the current task (for tools).

A `Store` is a dict (so templates read it as `store.key` and the log writes it as JSON) with
the get/set/delete methods of Inspect's store. `store()` is the store of the sample whose
plan is running: tools and helpers that get no state can still share data through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._util.context import ContextField, sample_field

if TYPE_CHECKING:
    from ._task_state import TaskState

__all__ = ["Store", "current_state", "sample_scope", "store"]


class Store(dict[str, Any]):
    """Key-value data of one sample, written into the sample's log entry."""

    def set(self, key: str, value: Any) -> None:
        self[key] = value

    def delete(self, key: str) -> None:
        self.pop(key, None)


_current: ContextField[TaskState | None] = sample_field("state")


def current_state() -> TaskState | None:
    """The state of the sample being solved in this task, if any."""
    return _current.get()


def store() -> Store:
    """The store of the sample being solved (a fresh, unattached one outside a sample)."""
    state = _current.get()
    return state.store if state is not None else Store()


@contextmanager
def sample_scope(state: TaskState) -> Iterator[None]:
    """Make `state` the current sample's state inside the block."""
    token = _current.set(state)
    try:
        yield
    finally:
        _current.reset(token)
