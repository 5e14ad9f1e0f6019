"""Model-server replicas: one model name served by several base URLs (vLLM, SGLang, llama.cpp).

`-M base_urls=[http://a:8000/v1,http://b:8000/v1]` (or a list in the suite's `model_args`)
spreads requests over the replicas by least outstanding requests. A replica that refuses
connections, drops them or fails `FAILS_TO_REMOVE` times in a row is taken out; after a
cool-down its health check (`GET models`) must pass before it takes requests again, and the
cool-down doubles each time the check fails. A request that could not reach its replica is
sent at once to another one, so a stopped server loses no sample. Counts per replica (per
task) go in the log's `stats.replicas`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..._util.context import ContextField, task_field
from ..._util.secrets import register_url_secrets
from ...log._model import ReplicaCounts

FAILS_TO_REMOVE = 3
COOLDOWN = 2.0  # seconds out before the first health check
MAX_COOLDOWN = 60.0

T = TypeVar("T")

# The counts of the task being run, by replica URL; the executor sets it per task.
task_replicas: ContextField[dict[str, ReplicaCounts] | None] = task_field("replicas")


def parse_base_urls(value: Any) -> list[str]:
    """A list of base URLs from `-M base_urls=[a,b]`, a YAML list or `a,b`."""
    if isinstance(value, str):
        value = [u for u in value.strip("[] ").split(",")]
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("base_urls must be a list of base URLs")
    urls = [str(u).strip().strip("'\"") for u in value]
    for url in urls:  # each replica's token, not only the first's, stays out of the log
        register_url_secrets(url)
    if not all(u.startswith(("http://", "https://")) for u in urls):
        raise ValueError(f"base_urls must be http(s) URLs, got {urls}")
    return urls


@dataclass
class Replica:
    url: str
    outstanding: int = 0
    fails_in_row: int = 0
    out_until: float | None = None  # monotonic time of its next health check when out
    cooldown: float = COOLDOWN


class ReplicaPool:
    """Least-outstanding choice over healthy replicas, with removal and health checks."""

    def __init__(self, urls: list[str], check: Callable[[str], Awaitable[bool]]) -> None:
        self.replicas = [Replica(url) for url in urls]
        self._check = check
        self._checking: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()  # held so they are not collected

    def pick(self, avoid: set[str]) -> Replica:
        now = time.monotonic()
        for replica in self.replicas:
            if replica.out_until is not None and replica.out_until <= now:
                self._start_check(replica)
        healthy = [r for r in self.replicas if r.out_until is None and r.url not in avoid]
        if not healthy:
            # Every replica is out (or already failed this request): try the one due back
            # first rather than fail at once; the retry policy backs off between attempts.
            candidates = [r for r in self.replicas if r.url not in avoid] or self.replicas
            return min(candidates, key=lambda r: (r.out_until or 0.0, r.outstanding))
        return min(healthy, key=lambda r: r.outstanding)

    async def call(
        self, send: Callable[[str], Awaitable[T]], is_failure: Callable[[BaseException], bool]
    ) -> T:
        """Send a request to the best replica; a request that never reached it goes to the
        next replica at once. Other failures are raised for the retry policy."""
        tried: set[str] = set()
        while True:
            replica = self.pick(tried)
            tried.add(replica.url)
            counts = _counts(replica.url)
            replica.outstanding += 1
            if counts is not None:
                counts.requests += 1
            try:
                result = await send(replica.url)
            except BaseException as ex:
                import httpx  # here: the executor imports this module, `validate` too

                unreached = isinstance(ex, httpx.TransportError) and not isinstance(
                    ex, httpx.TimeoutException
                )
                if unreached or is_failure(ex):
                    self._failed(replica, counts, at_once=unreached)
                if unreached and len(tried) < len(self.replicas):
                    continue
                raise
            finally:
                replica.outstanding -= 1
            replica.fails_in_row = 0
            return result

    def _failed(self, replica: Replica, counts: ReplicaCounts | None, at_once: bool) -> None:
        replica.fails_in_row += 1
        if counts is not None:
            counts.failures += 1
        if replica.out_until is None and (at_once or replica.fails_in_row >= FAILS_TO_REMOVE):
            replica.out_until = time.monotonic() + replica.cooldown
            if counts is not None:
                counts.removals += 1

    def _start_check(self, replica: Replica) -> None:
        if replica.url in self._checking:
            return
        self._checking.add(replica.url)
        task = asyncio.get_running_loop().create_task(self._health(replica))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._checking.discard(replica.url))

    async def _health(self, replica: Replica) -> None:
        try:
            healthy = await self._check(replica.url)
        except Exception:
            healthy = False
        if healthy:
            replica.out_until, replica.fails_in_row, replica.cooldown = None, 0, COOLDOWN
        else:
            replica.cooldown = min(replica.cooldown * 2, MAX_COOLDOWN)
            replica.out_until = time.monotonic() + replica.cooldown

    def counts(self) -> dict[str, int]:
        """Requests in flight per replica (for displays and tests)."""
        return {r.url: r.outstanding for r in self.replicas}


def _counts(url: str) -> ReplicaCounts | None:
    scope = task_replicas.get()
    return None if scope is None else scope.setdefault(url, ReplicaCounts())
