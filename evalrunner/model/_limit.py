"""ConnectionLimit: how many requests may be in flight to one provider endpoint.

A model's `max_connections` is an upper bound; the live limit starts there and adapts to
the provider (AIMD, as TCP does): it is cut multiplicatively when the provider refuses
requests *for load* and grows back towards the bound while it does not. Without this, a
run whose `max_connections` is above the provider's real allowance has most requests
refused and retried; with it, the limit settles just below the allowance.

Not every 429 is load: providers also refuse a few requests at random (a shard restarting,
a burst on another account). A cut needs evidence that refusals track concurrency: several
refusals within one round of the current limit (load refuses every request above the
allowance, so they come in bursts), or the provider saying so (`x-ratelimit-remaining-*`
at 0, a 503 with Retry-After). An isolated refusal is only retried, with backoff.

One limit is shared by every model (and task) using the same endpoint and account.
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Callable

# The factor a cut multiplies the limit by. Gentler than TCP's 0.5: a provider's allowance
# moves slowly, and with 0.9 the limit's sawtooth averages about 95% of the allowance.
DECREASE = 0.9
# Refusals within one round (as many successes as the limit) that show load: at least
# BURST, and at least this share of the limit. Random refusals at 3% give three in a round
# of a hundred on average, fifteen less than once in a million rounds; a provider refusing
# load at once refuses every request above its allowance until one of its own finishes,
# many in a round.
BURST = 3
BURST_SHARE = 0.15
# After a cut the limit grows this many times slower (one more request in flight per
# this many rounds) for CAUTION_SECONDS, so it spends its time just below the allowance
# it has found rather than refused above it.
CAUTION = 8
CAUTION_SECONDS = 10.0
# A refusal while the limit is near where the last cut left it (between PROBE_BAND and
# twice that level: about the allowance the provider was found to hold) starts that slow
# growth again, so the limit keeps probing gently near the allowance instead of climbing
# past it at full speed every CAUTION_SECONDS and being refused by a burst. Refusals far
# from that level, or before any cut (random ones at the bound), do not slow it.
PROBE_BAND = 0.9
# Then by at least this share per round: from 1 back to 100 in about fifty rounds, so the
# limit recovers within a minute of the provider's last refusal at up to a second a reply.
RECOVERY = 0.1


class ConnectionLimit:
    """A semaphore whose size follows the provider's answers.

    `async with limit.slot() as slot:` holds a place; call `slot.refused()` when the
    request was refused for load, and the place is released on leaving the block either way.
    """

    def __init__(self, maximum: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.in_flight = 0
        self.refusals = 0
        self.cuts = 0
        self.lowest = self.maximum
        self._clock = clock
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        # Refusals of requests sent before the last cut say nothing new about the
        # current limit: one cut per round trip, not one per refused request.
        self._last_cut = -math.inf
        self._found = math.inf  # where the last cut left the limit
        self._slow_since = -math.inf  # the last cut, or refusal near its level
        # The current round: successes, and refusals of requests sent after the last cut.
        self._round = 0
        self._round_refused = 0

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
            elif waiter in self._waiters:
                # `_wake` drops waiters already cancelled, so it may be gone already.
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def succeeded(self) -> None:
        self._count_round()
        if self.limit < self.maximum:
            step = 1.0 / self.limit  # one more per round of `limit` successes
            if self._clock() - self._slow_since < CAUTION_SECONDS:
                step /= CAUTION
            else:
                step = max(step, RECOVERY)
            self.limit = min(float(self.maximum), self.limit + step)
            self._wake()

    def refused(self, sent_at: float, signalled: bool = False) -> None:
        """A request sent at `sent_at`, still holding its place, was refused; `signalled`:
        the provider said the refusal is for load (it cuts at once)."""
        self.refusals += 1
        if PROBE_BAND * self._found <= self.limit <= 2 * self._found:
            self._slow_since = self._clock()
        if sent_at <= self._last_cut:
            # The burst that made the last cut: the provider held no more than the others
            # still in flight, so after a whole round is refused at once this is where the
            # limit lands, not eleven cuts later.
            self._clamp()
            self._found = min(self._found, self.limit)
            return
        self._round_refused += 1
        needed = max(BURST, math.ceil(BURST_SHARE * self.limit))
        if signalled or self._round_refused >= needed:
            self.cuts += 1
            self.limit *= DECREASE
            self._last_cut = self._slow_since = self._clock()
            self._round = self._round_refused = 0
            self._clamp()
            self._found = self.limit

    def _count_round(self) -> None:
        self._round += 1
        if self._round >= self.limit:
            self._round = self._round_refused = 0

    def _clamp(self) -> None:
        self.limit = max(1.0, min(self.limit, float(self.in_flight - 1)))
        self.lowest = min(self.lowest, int(self.limit))

    def _wake(self) -> None:
        while self._waiters and self.in_flight < int(self.limit):
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)


class _Slot:
    __slots__ = ("_limit", "_refused", "_signalled", "sent_at")

    def __init__(self, limit: ConnectionLimit) -> None:
        self._limit = limit
        self._refused = False
        self._signalled = False
        self.sent_at = 0.0

    def refused(self, signalled: bool = False) -> None:
        self._refused = True
        self._signalled = signalled

    async def __aenter__(self) -> _Slot:
        await self._limit.acquire()
        self.sent_at = self._limit._clock()
        return self

    async def __aexit__(self, kind: object, ex: object, tb: object) -> None:
        limit = self._limit
        if self._refused:
            limit.refused(self.sent_at, self._signalled)
        elif kind is None:
            limit.succeeded()
        limit.release()
