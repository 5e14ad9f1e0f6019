"""The transcript of the sample being run: where every part of evalrunner records events.

The runner opens one per sample (`transcript_scope`); model calls, tools, approvers and
commands call `record()`, which does nothing outside a sample. Spans nest by async
context, so concurrent tool calls and forked branches keep their own parents.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._util.context import ContextField, sample_field
from ._model import SpanBeginEvent, SpanEndEvent, StoreEvent, _Event

PREVIEW = 400  # characters of a reply or a tool result kept in its event


class Transcript:
    """The ordered events of one sample."""

    def __init__(self) -> None:
        self.events: list[_Event] = []
        self.started = time.monotonic()
        self._ids = itertools.count(1)

    def add(self, event: _Event) -> None:
        event.t = round(time.monotonic() - self.started, 4)
        event.span = _span.get()
        self.events.append(event)

    def new_id(self) -> str:
        return str(next(self._ids))


_current: ContextField[Transcript | None] = sample_field("transcript")
_span: ContextField[str | None] = sample_field("span")


def transcript() -> Transcript | None:
    """The transcript of the sample being run, if any."""
    return _current.get()


def record(event: _Event) -> None:
    """Add `event` to the current sample's transcript (nothing outside a sample)."""
    current = _current.get()
    if current is not None:
        current.add(event)


@contextmanager
def transcript_scope(current: Transcript) -> Iterator[Transcript]:
    token = _current.set(current)
    span_token = _span.set(None)
    try:
        yield current
    finally:
        _span.reset(span_token)
        _current.reset(token)


@contextmanager
def span(type: str, name: str) -> Iterator[str | None]:
    """Events recorded inside the block belong to a new span of this type and name."""
    current = _current.get()
    if current is None:
        yield None
        return
    span_id = current.new_id()
    current.add(SpanBeginEvent(id=span_id, type=type, name=name))
    token = _span.set(span_id)
    try:
        yield span_id
    finally:
        _span.reset(token)
        current.add(SpanEndEvent(id=span_id))


def preview(text: str, limit: int = PREVIEW) -> str:
    """The start of `text`, marked when cut."""
    return text if len(text) <= limit else text[:limit] + f"… [{len(text)} chars]"


def snapshot(store: dict[str, Any]) -> dict[str, str]:
    """The store's values as JSON text, to compare with a later snapshot."""
    return {k: json.dumps(v, sort_keys=True, default=str) for k, v in store.items()}


def record_store_changes(before: dict[str, str], store: dict[str, Any]) -> dict[str, str]:
    """Record what changed in `store` since `before`; returns the new snapshot."""
    after = snapshot(store)
    changes: list[dict[str, Any]] = [
        {"op": "set", "key": k, "value": store[k]} for k, v in after.items() if before.get(k) != v
    ]
    changes += [{"op": "delete", "key": k} for k in before if k not in after]
    if changes:
        record(StoreEvent(changes=json.loads(json.dumps(changes, default=str))))
    return after
