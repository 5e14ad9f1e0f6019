"""BatchQueue: concurrent calls gathered into batches for one function of a list.

Local models run fastest on batches. Each `submit` adds an item; a worker runs `run`
on up to `max_size` items at once (in a thread, off the event loop), starting as soon
as a batch is full or when no new item has arrived for `wait` seconds. One batch runs
at a time; items arriving meanwhile form the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class _Item(Generic[In, Out]):
    value: In
    future: asyncio.Future[Out]


class BatchQueue(Generic[In, Out]):
    def __init__(
        self, run: Callable[[list[In]], list[Out]], max_size: int, wait: float = 2.0
    ) -> None:
        self.run = run
        self.max_size = max(1, max_size)
        self.wait = wait
        self.batch_sizes: list[int] = []  # what ran, for logs and tests
        self._items: list[_Item[In, Out]] = []
        self._arrived = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, value: In) -> Out:
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._items.append(_Item(value, future))
        self._arrived.set()
        if self._worker is None or self._worker.done():
            self._arrived = asyncio.Event()  # bound to this loop, if an earlier run ended
            self._arrived.set()
            self._worker = asyncio.create_task(self._loop(), name="evalrunner-batch-queue")
        return await future

    async def _loop(self) -> None:
        while self._items:
            await self._gather()
            batch = [i for i in self._items[: self.max_size] if not i.future.done()]
            self._items = self._items[self.max_size :]
            if batch:
                await self._run(batch)

    async def _gather(self) -> None:
        """Wait until the batch is full or `wait` seconds pass with no new item."""
        while len(self._items) < self.max_size:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), self.wait)
            except TimeoutError:
                return

    async def _run(self, batch: list[_Item[In, Out]]) -> None:
        self.batch_sizes.append(len(batch))
        try:
            results = await asyncio.to_thread(self.run, [item.value for item in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} gave {len(results)} results")
        except Exception as ex:
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(ex)
            return
        for item, result in zip(batch, results, strict=True):
            if not item.future.done():
                item.future.set_result(result)

    async def aclose(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
