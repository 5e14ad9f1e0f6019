"""Garbage collection tuned for a run.

A sample allocates a few thousand short-lived objects (requests, responses, messages,
scores). With Python's default threshold (a collection every 700 allocations) the
collector runs several times per sample and takes about a seventh of a trivial sample's
CPU at high concurrency; with 10,000 it runs a few dozen times per thousand samples.
Objects that exist before the run (modules, the suite) are frozen out of collections.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

THRESHOLD = 10_000


@contextlib.contextmanager
def tuned_for_run() -> Iterator[None]:
    """Fewer collections while the block runs; the caller's settings after."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(THRESHOLD, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
