"""ConnectionLimit: how many requests may be in flight to one provider endpoint.

A model's `max_connections` is an upper bound; the live limit starts there and adapts to
the provider (AIMD, as TCP does): it is cut multiplicatively when the provider refuses a
request for load (429, or 503 with Retry-After) and grows additively, about one per
round of `limit` successful requests, back towards the bound. Without this, a run whose
`max_connections` is above the provider's real allowance has most requests refused and
retried; with it, the limit settles just below the allowance.

One limit is shared by every model (and task) using the same endpoint and account.
"""

from __future__ import annotations

import asyncio
import collections
import time

# The factor a refusal cuts the limit by. Gentler than TCP's 0.5: a provider's allowance
# moves slowly, and with 0.9 the limit's sawtooth averages about 95% of the allowance.
DECREASE = 0.9
# After a cut the limit grows this many times slower (one more request in flight per
# this many rounds), so it spends its time just below the allowance it has found rather
# than refused above it; after PROBE_SECONDS without a refusal it grows at full speed.
CAUTION = 8
PROBE_SECONDS = 30.0


class ConnectionLimit:
    """A semaphore whose size follows the provider's answers.

    `async with limit.slot() as slot:` holds a place; call `slot.refused()` when the
    request was refused for load, and the place is released on leaving the block either way.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.in_flight = 0
        self.refusals = 0
        self.lowest = self.maximum
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        # Refusals of requests sent before the last cut say nothing new about the
        # current limit: one cut per round trip, not one per refused request.
        self._last_cut = 0.0

    @property
    def current(self) -> int:
        """The live limit: how many requests may be in flight now."""
        return int(self.limit)

    def slot(self) -> _Slot:
        return _Slot(self)

    async def acquire(self) -> None:
        if self.in_flight < int(self.limit) and not self._waiters:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a place just as it was cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def succeeded(self) -> None:
        if self.limit < self.maximum:
            step = 1.0 / self.limit  # one more per round of `limit` successes
            if self._last_cut and time.monotonic() - self._last_cut < PROBE_SECONDS:
                step /= CAUTION
            self.limit = min(float(self.maximum), self.limit + step)
            self._wake()

    def refused(self, sent_at: float) -> None:
        """A request sent at `sent_at`, still holding its place, was refused for load."""
        self.refusals += 1
        cut = self.limit
        if sent_at >= self._last_cut:
            # Sent after the last cut and still refused: the cut was not enough.
            cut *= DECREASE
            self._last_cut = time.monotonic()
        # The provider took no more than the others still in flight: after a whole round
        # is refused at once this is where the limit lands, not eleven cuts later.
        self.limit = max(1.0, min(cut, float(self.in_flight - 1)))
        self.lowest = min(self.lowest, int(self.limit))

    def _wake(self) -> None:
        while self._waiters and self.in_flight < int(self.limit):
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)


class _Slot:
    __slots__ = ("_limit", "_refused", "sent_at")

    def __init__(self, limit: ConnectionLimit) -> None:
        self._limit = limit
        self._refused = False
        self.sent_at = 0.0

    def refused(self) -> None:
        self._refused = True

    async def __aenter__(self) -> _Slot:
        await self._limit.acquire()
        self.sent_at = time.monotonic()
        return self

    async def __aexit__(self, kind: object, ex: object, tb: object) -> None:
        limit = self._limit
        if self._refused:
            limit.refused(self.sent_at)
        elif kind is None:
            limit.succeeded()
        limit.release()
