"""What one model call did beyond its reply: its retries, its waits, and the provider's
request and response bodies, for the model event of the call.

`Model.generate` opens a record per call only inside a sample (where events are kept);
the retry policy, the connection wait and the providers' HTTP helpers add to it. The
bodies are kept by reference, not copied: the log's writer thread serialises (and
redacts) them, so the event loop pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .._util.context import ContextField, sample_field


@dataclass
class CallRecord:
    retries: int = 0
    waited: float = 0.0
    request: Any = None
    response: Any = None


_current: ContextField[CallRecord | None] = sample_field("call")


@contextmanager
def call_scope(active: bool) -> Iterator[CallRecord | None]:
    """A record for the model call made inside the block (none when `active` is false)."""
    if not active:
        yield None
        return
    record = CallRecord()
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def note_exchange(request: Any, response: Any) -> None:
    """The body a provider sent and the decoded body it got back (the last try's)."""
    record = _current.get()
    if record is not None:
        record.request, record.response = request, response


def note_retry() -> None:
    record = _current.get()
    if record is not None:
        record.retries += 1


def note_wait(seconds: float) -> None:
    record = _current.get()
    if record is not None:
        record.waited += seconds
