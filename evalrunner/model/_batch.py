"""Batch processing: requests queue up, go to a provider's batch API together, and each
caller gets its own result back.

A `Batcher` belongs to one model. `generate` turns a request into the provider's body,
queues it and waits. A worker task sends a batch when `size` requests are queued or the
oldest has waited `send_delay` seconds (at most `max_batches` in flight), checks running
batches every `tick` seconds, and routes each result to its caller. A failed request
raises in its caller, so the Model's one retry policy decides what is retried (a retried
request simply joins a later batch).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from ..events._calls import note_exchange
from ..tools._info import ToolChoice, ToolInfo
from ._chat import ChatMessageBase
from ._config import BatchConfig, GenerateConfig
from ._output import ModelOutput

logger = logging.getLogger(__name__)

DEFAULT_SIZE = 100
DEFAULT_SEND_DELAY = 15.0
DEFAULT_TICK = 15.0
DEFAULT_MAX_BATCHES = 100
# Consecutive failed status checks after which a batch is given up.
MAX_CHECK_FAILURES = 10

BatchResults = dict[str, ModelOutput | BaseException]


class BatchBackend(ABC):
    """One provider's batch API."""

    # The API's own limit on requests per batch.
    max_size: int = 10_000

    @abstractmethod
    def request_body(
        self,
        messages: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> dict[str, Any]:
        """The body of one request, as the provider's single-request API takes it."""

    @abstractmethod
    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        """Create a batch of (custom id, body) requests; returns the batch id."""

    @abstractmethod
    async def check(self, batch_id: str) -> BatchResults | None:
        """None while the batch runs; once it ended, a result or an error per custom id."""

    async def aclose(self) -> None:  # noqa: B027 (optional hook; most backends share a client)
        """Release the backend's client."""

    @property
    def replies(self) -> dict[str, Any]:
        """Each request's reply as received, by custom id: `check` adds them, the batcher
        takes each one for its request's model event (`call.response`)."""
        return self.__dict__.setdefault("_replies", {})  # type: ignore[no-any-return]


def batch_config(value: BatchConfig | dict[str, Any] | bool | int | None) -> BatchConfig | None:
    """The BatchConfig a config value stands for (merged configs may hold plain dicts)."""
    if value is None or value is False:
        return None
    if isinstance(value, BatchConfig):
        return value
    if value is True:
        return BatchConfig()
    if isinstance(value, int):
        return BatchConfig(size=value)
    return BatchConfig.model_validate(value)


@dataclass
class _Request:
    custom_id: str
    body: dict[str, Any]
    future: asyncio.Future[ModelOutput]
    queued_at: float = field(default_factory=time.monotonic)
    reply: Any = None  # the provider's reply body, for the model event


@dataclass
class _Batch:
    id: str
    requests: dict[str, _Request]
    check_failures: int = 0


@dataclass
class BatchStats:
    """What a batcher did: batches sent and requests resolved."""

    batches: int = 0
    requests: int = 0


class Batcher:
    """Queues one model's requests into batches; see the module docstring."""

    def __init__(self, backend: BatchBackend, config: BatchConfig) -> None:
        self.backend = backend
        self.size = max(1, min(config.size or DEFAULT_SIZE, backend.max_size))
        self.send_delay = DEFAULT_SEND_DELAY if config.send_delay is None else config.send_delay
        self.tick = DEFAULT_TICK if config.tick is None else config.tick
        self.max_batches = max(1, config.max_batches or DEFAULT_MAX_BATCHES)
        self.stats = BatchStats()
        self._queue: list[_Request] = []
        self._inflight: dict[str, _Batch] = {}
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._last_check = 0.0

    async def generate(
        self,
        messages: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        body = self.backend.request_body(messages, tools, tool_choice, config)
        future: asyncio.Future[ModelOutput] = asyncio.get_running_loop().create_future()
        request = _Request(uuid.uuid4().hex, body, future)
        self._queue.append(request)
        # Wake the worker when a batch is full, or so it times a new queue's send_delay.
        if len(self._queue) >= self.size or len(self._queue) == 1:
            self._wake.set()
        if self._worker is None or self._worker.done():
            self._wake = asyncio.Event()  # bound to this loop, if an earlier run ended
            self._worker = asyncio.create_task(self._run(), name="evalrunner-batcher")
        try:
            output = await future
            # The body as sent and its reply as received, as a direct request records them.
            note_exchange(body, request.reply)
            return output
        finally:
            # A caller that gave up leaves the queue; a sent request's result is dropped.
            if not future.done():
                future.cancel()
            if request in self._queue:
                self._queue.remove(request)

    async def _run(self) -> None:
        while self._queue or self._inflight:
            await self._send_ready()
            if self._inflight and time.monotonic() - self._last_check >= self.tick:
                self._last_check = time.monotonic()
                await self._check_all()
            if self._queue or self._inflight:
                await self._sleep()

    async def _sleep(self) -> None:
        now = time.monotonic()
        waits = [self.tick - (now - self._last_check)] if self._inflight else []
        if self._queue and len(self._inflight) < self.max_batches:
            waits.append(self._queue[0].queued_at + self.send_delay - now)
        timeout = max(0.0, min(waits)) if waits else self.tick
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _send_ready(self) -> None:
        while self._queue and len(self._inflight) < self.max_batches:
            waited = time.monotonic() - self._queue[0].queued_at
            if len(self._queue) < self.size and waited < self.send_delay:
                return
            chunk, self._queue = self._queue[: self.size], self._queue[self.size :]
            await self._submit(chunk)

    async def _submit(self, chunk: list[_Request]) -> None:
        try:
            batch_id = await self.backend.submit([(r.custom_id, r.body) for r in chunk])
        except Exception as ex:
            logger.warning("creating a batch of %d requests failed: %s", len(chunk), ex)
            for request in chunk:
                _settle(request, ex)
            return
        self.stats.batches += 1
        logger.info("sent batch %s with %d requests", batch_id, len(chunk))
        self._inflight[batch_id] = _Batch(batch_id, {r.custom_id: r for r in chunk})

    async def _check_all(self) -> None:
        batches = list(self._inflight.values())
        await asyncio.gather(*(self._check(batch) for batch in batches))

    async def _check(self, batch: _Batch) -> None:
        try:
            results = await self.backend.check(batch.id)
        except Exception as ex:
            batch.check_failures += 1
            logger.warning("checking batch %s failed: %s", batch.id, ex)
            if batch.check_failures >= MAX_CHECK_FAILURES:
                self._inflight.pop(batch.id, None)
                for request in batch.requests.values():
                    _settle(request, ex)
            return
        batch.check_failures = 0
        if results is None:
            return
        self._inflight.pop(batch.id, None)
        for custom_id, request in batch.requests.items():
            result = results.get(custom_id)
            if result is None:
                result = RuntimeError(f"batch {batch.id} returned no result for a request")
            request.reply = self.backend.replies.pop(custom_id, None)
            _settle(request, result)
            self.stats.requests += 1

    async def aclose(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        await self.backend.aclose()


def _settle(request: _Request, result: ModelOutput | BaseException) -> None:
    if request.future.done():
        return
    if isinstance(result, BaseException):
        request.future.set_exception(result)
    else:
        request.future.set_result(result)


def parse_batch_option(value: str | None) -> BatchConfig | None:
    """`--batch` (no value: "true"), `--batch 1000` (a size) or `--batch FILE.yml|json`."""
    if value is None:
        return None
    text = value.strip()
    if text.lower() in ("true", "yes", "on"):
        return BatchConfig()
    if text.lower() in ("false", "no", "off"):
        return None
    if text.isdigit():
        return BatchConfig(size=int(text))
    from pathlib import Path

    import yaml
    from pydantic import ValidationError

    path = Path(text)
    if not path.is_file():
        raise ValueError(f"'{text}' is neither a batch size nor a batch config file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return BatchConfig.model_validate(data)
    except yaml.YAMLError as ex:
        raise ValueError(f"{text}: not valid YAML or JSON: {ex}") from None
    except ValidationError as ex:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}" for e in ex.errors()
        )
        raise ValueError(f"{text}: {problems} (options: size, send_delay, tick, max_batches)") \
            from None
