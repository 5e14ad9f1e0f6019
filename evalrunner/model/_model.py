"""Model: a provider behind a connection limit, one bounded retry policy and usage counts."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from .._util.context import ContextField, sample_field, task_field
from .._util.http import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from .._util.secrets import redact
from ..events._calls import CallRecord, call_scope, note_retry
from ..events._limits import add_waiting, check_limits, count_call
from ..events._model import ModelEvent
from ..events._transcript import preview, record, transcript
from ..tools._info import ToolChoice, ToolInfo
from ._api import ModelAPI
from ._batch import Batcher, batch_config
from ._cache import cache_fetch, cache_key, cache_policy, cache_store
from ._chat import ChatMessageBase, ChatMessageSystem, as_messages
from ._config import CONNECTION_FIELDS, GenerateConfig
from ._limit import ConnectionLimit
from ._output import ModelOutput, ModelUsage
from ._prepare import check_media, reasoning_history
from ._structured import check_reply, with_schema_instruction

DEFAULT_MAX_RETRIES = 5


@dataclass
class ModelStats:
    """What one model did during a run: the `stats` and rate-limit figures of a log."""

    usage: ModelUsage = field(default_factory=ModelUsage)
    calls: int = 0
    retries: int = 0
    rate_limits: int = 0
    errors: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    in_flight: int = 0
    max_connections: int = 0
    # The endpoint's adaptive connection limit (shared with other models on the endpoint).
    limit: ConnectionLimit | None = None


@dataclass
class UsageRecorder:
    """Collects usage for the scope it is active in (a task, a sample)."""

    usage: dict[str, ModelUsage] = field(default_factory=dict)

    def add(self, model: str, usage: ModelUsage) -> None:
        current = self.usage.get(model)
        self.usage[model] = usage if current is None else current + usage


# The recorders of the active task and sample; the executor sets them.
active_recorders: ContextField[tuple[UsageRecorder, ...]] = sample_field("recorders")

# Call counts of the active task, by model name. A model's own `stats` add up every task
# of the process (what the live display shows); tasks that run at once keep theirs apart.
task_stats: ContextField[dict[str, ModelStats] | None] = task_field("stats")

# This process's share of each endpoint's connection limit, as (slot, slots): a Ray unit
# holding slot k of U gets limit // U, plus one for the first limit % U slots, so units
# running at once on a cluster never hold more than the limit between them.
connection_share: ContextField[tuple[int, int] | None] = task_field("connection_share")


def shared_limit(limit: int) -> int:
    """The part of an endpoint's connection limit that this process may use."""
    share = connection_share.get()
    if share is None:
        return limit
    slot, slots = share
    return max(1, limit // slots + (1 if slot < limit % slots else 0))


# One connection limit per provider endpoint and event loop: asyncio primitives belong to
# the loop that first waits on them, and `eval()` may be called again with a new loop.
_LIMITS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, ConnectionLimit]
] = weakref.WeakKeyDictionary()


class Model:
    """A named model: `provider/name` with its config, ready to `generate`."""

    def __init__(self, name: str, api: ModelAPI, config: GenerateConfig | None = None) -> None:
        self.name = name
        self.api = api
        self.config = config or GenerateConfig()
        self.stats = ModelStats()
        self._batcher: Batcher | None = None
        self._limit: ConnectionLimit | None = None
        self._limit_loop: asyncio.AbstractEventLoop | None = None
        self._last_merge: tuple[tuple[object, ...], GenerateConfig] | None = None
        self._last_event_config: tuple[GenerateConfig, dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"Model({self.name!r})"

    def _count(self, name: str, n: int = 1) -> None:
        """Add to a call counter of this model and of the active task."""
        setattr(self.stats, name, getattr(self.stats, name) + n)
        scope = task_stats.get()
        if scope is not None:
            stats = scope.setdefault(self.name, ModelStats(limit=self._limit))
            setattr(stats, name, getattr(stats, name) + n)

    async def generate(
        self,
        input: str | list[Any],
        tools: list[ToolInfo] | None = None,
        tool_choice: ToolChoice | None = None,
        config: GenerateConfig | None = None,
    ) -> ModelOutput:
        """Generate a reply to `input` (a prompt or a list of messages)."""
        # Every call lets the event loop run: an agent loop on a model that never waits
        # (mockllm, the cache) must still see Ctrl-C and other cancellations at once. An
        # HTTP provider waits on its request anyway (one loop round less per call).
        if not self.api.waits_for_io:
            await asyncio.sleep(0)
        check_limits()  # a sample past its turn, cost or working-time limit stops here
        messages = as_messages(input) if isinstance(input, str) else list(input)
        cfg = self._merged(config)
        if cfg.system_message:
            messages = [ChatMessageSystem(content=cfg.system_message), *messages]
        check_media(self.name, self.api, messages)
        messages = reasoning_history(messages, cfg.reasoning_history)
        if cfg.response_schema is not None and not self.api.native_response_schema:
            messages = with_schema_instruction(messages, cfg.response_schema)
        # Inside a sample the call's retries, waits and HTTP bodies go to its model event.
        with call_scope(transcript() is not None) as call:
            return await self._generate(messages, tools, tool_choice, cfg, call)

    async def _generate(
        self, messages: list[ChatMessageBase], tools: list[ToolInfo] | None,
        tool_choice: ToolChoice | None, cfg: GenerateConfig, call: CallRecord | None,
    ) -> ModelOutput:
        start = time.monotonic()
        policy = cache_policy(cfg.cache)
        key = None
        if policy is not None:
            key = cache_key(self.name, self.api.base_url, self.api.model_args, messages,
                            tools or [], tool_choice, cfg, policy)
            cached = await cache_fetch(self.name, key)
            if cached is not None:
                if self.api.waits_for_io:  # the cache answers without waiting (see generate)
                    await asyncio.sleep(0)
                # Spent nothing at the provider: the sample's usage counts it, the model's not.
                self._count("cache_hits")
                cached.cached = True
                cached.time = round(time.monotonic() - start, 6)
                self._event(messages, tools, tool_choice, cfg, cached,
                            self._account(cached, spent=False), call)
                return cached
            self._count("cache_misses")
        try:
            output = await self._with_retries(messages, tools or [], tool_choice, cfg)
        except Exception as ex:
            record(ModelEvent(model=self.name, messages=len(messages), error=redact(str(ex)),
                              time=round(time.monotonic() - start, 6), input=messages,
                              tool_info=list(tools or []), tool_choice=tool_choice,
                              **_call_fields(call)))
            raise
        output.time = round(time.monotonic() - start, 6)
        if cfg.response_schema is not None:
            check_reply(output, cfg.response_schema)
        self._count("calls")
        self._event(messages, tools, tool_choice, cfg, output,
                    self._account(output, spent=True), call)
        if policy is not None and key is not None and output.error is None:
            await cache_store(self.name, key, output, policy)
        return output

    def _merged(self, config: GenerateConfig | None) -> GenerateConfig:
        """The call's config: the provider's defaults, the model's, then the call's own.

        The last result is kept: a task passes the same config object for every sample,
        and merging pydantic models is a tenth of a call's CPU.
        """
        sources = (self.api.config, self.config, config)
        last = self._last_merge
        if last is not None and all(a is b for a, b in zip(last[0], sources, strict=True)):
            return last[1]
        cfg = self.api.config.merge(self.config).merge(config)
        if cfg.max_tokens is None and self.api.max_tokens() is not None:
            cfg = cfg.model_copy(update={"max_tokens": self.api.max_tokens()})
        self._last_merge = (sources, cfg)
        return cfg

    def _event(self, messages: list[ChatMessageBase], tools: list[ToolInfo] | None,
               tool_choice: ToolChoice | None, cfg: GenerateConfig, output: ModelOutput,
               cost: float | None, call: CallRecord | None) -> None:
        if call is None:
            return  # outside a sample: nothing keeps events
        record(ModelEvent(
            model=self.name,
            messages=len(messages),
            tools=[t.name for t in tools or []],
            config=self._event_config(cfg),
            output=preview(output.completion),
            tool_calls=[c.function for c in output.message.tool_calls or []],
            stop_reason=output.stop_reason,
            usage=output.usage.model_dump() if output.usage else None,
            time=output.time,
            cached=output.cached,
            cost=cost,
            error=output.error,
            # The call in full, by reference (the log's writer thread serialises it).
            input=messages,
            tool_info=list(tools or []),
            tool_choice=tool_choice,
            reply=output,
            **_call_fields(call),
        ))

    def _event_config(self, cfg: GenerateConfig) -> dict[str, Any]:
        """The config a model event shows: the fields set, connection options left out.

        Kept for the last config seen (a task's samples share one: see `_merged`);
        dumping a config is a tenth of an event's cost. Events share the dict, read-only.
        """
        last = self._last_event_config
        if last is None or last[0] is not cfg:
            shown = {k: v for k, v in cfg.set_fields().items() if k not in CONNECTION_FIELDS}
            last = self._last_event_config = (cfg, shown)
        return last[1]

    def _account(self, output: ModelOutput, spent: bool) -> float | None:
        """The one path of a call's usage: the model's and the task's stats (`spent`: not
        for a cached reply, which cost the provider nothing), the sample's recorders, and
        the sample's limits (its turn and tokens; its cost when spent). Returns the call's
        cost if priced, for its event."""
        usage = output.usage
        if usage is not None:
            if spent:
                self.stats.usage = self.stats.usage + usage
                scope = task_stats.get()
                if scope is not None:
                    own = scope.setdefault(self.name, ModelStats())
                    own.usage = own.usage + usage
            for recorder in active_recorders.get():
                recorder.add(self.name, usage)
        return count_call(self.name, usage, priced=spent)

    def _connection_limit(self, cfg: GenerateConfig) -> ConnectionLimit:
        loop = asyncio.get_running_loop()
        if self._limit is not None and self._limit_loop is loop:
            return self._limit  # the hot path: one lookup per model and loop, not per call
        key = self.api.connection_key()
        limits = _LIMITS.setdefault(loop, {})
        limit = limits.get(key)
        if limit is None:
            size = shared_limit(cfg.max_connections or self.api.max_connections())
            limit = limits[key] = ConnectionLimit(size)
        self.stats.max_connections = limit.maximum
        self.stats.limit = limit
        self._limit, self._limit_loop = limit, loop
        return limit

    async def _with_retries(
        self,
        messages: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        cfg: GenerateConfig,
    ) -> ModelOutput:
        limit = self._connection_limit(cfg)
        batcher = self._batcher_for(cfg)

        async def attempt() -> ModelOutput:
            queued = time.monotonic()
            if batcher is not None:
                # Queued for the batch API: no connection is held while waiting, and the
                # wait is not the sample's working time.
                try:
                    return await batcher.generate(messages, tools, tool_choice, cfg)
                finally:
                    add_waiting(time.monotonic() - queued)
            async with limit.slot() as slot:
                add_waiting(time.monotonic() - queued)  # waiting for a connection
                self.stats.in_flight += 1
                try:
                    return await self.api.generate(messages, tools, tool_choice, cfg)
                except Exception as ex:
                    if self.api.is_overload(ex):
                        # The endpoint's limit backs off if refusals track load.
                        slot.refused(self.api.signals_load(ex))
                    raise
                finally:
                    self.stats.in_flight -= 1

        try:
            try:
                # Most calls succeed at once: the retry policy is built only after a failure.
                return await attempt()
            except Exception as first:
                return await self._retry(attempt, first, cfg)
        except Exception as ex:
            self._count("errors")
            if ex.args and isinstance(ex.args[0], str):
                ex.args = (redact(ex.args[0]), *ex.args[1:])
            if self.api.is_rate_limit(ex):
                self._count("rate_limits")
            raise

    async def _retry(
        self, attempt: Callable[[], Awaitable[ModelOutput]], first: Exception,
        cfg: GenerateConfig,
    ) -> ModelOutput:
        """The one retry policy, continuing after the first attempt failed with `first`:
        retryable failures (the provider decides) are retried up to `max_retries` times,
        waiting what the server asked (Retry-After) or an exponential backoff."""
        max_retries = DEFAULT_MAX_RETRIES if cfg.max_retries is None else cfg.max_retries
        backoff = wait_exponential_jitter(initial=1, max=60, jitter=1)

        def wait(state: RetryCallState) -> float:
            ex = state.outcome.exception() if state.outcome else None
            after = self.api.retry_after(ex) if ex is not None else None
            return min(after, 60.0) if after is not None else float(backoff(state))

        def before_sleep(state: RetryCallState) -> None:
            self._count("retries")
            note_retry()
            if state.next_action is not None:
                add_waiting(state.next_action.sleep)  # a back-off is not working time
            ex = state.outcome.exception() if state.outcome else None
            if ex is not None and self.api.is_rate_limit(ex):
                self._count("rate_limits")

        pending: list[Exception] = [first]

        async def again() -> ModelOutput:
            if pending:
                raise pending.pop()  # tenacity's attempt 1 is the one that already failed
            return await attempt()

        retrying = AsyncRetrying(
            retry=retry_if_exception(self.api.is_retryable),
            stop=stop_after_attempt(max_retries + 1),
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        async for state in retrying:
            with state:
                return await again()
        raise AssertionError("unreachable")  # pragma: no cover

    def _batcher_for(self, cfg: GenerateConfig) -> Batcher | None:
        config = batch_config(cfg.batch)
        if config is None:
            return None
        if self._batcher is None:
            backend = self.api.batch_backend()
            if backend is None:
                return None  # the provider has no batch API: requests go one by one
            self._batcher = Batcher(backend, config)
        return self._batcher

    async def aclose(self) -> None:
        if self._batcher is not None:
            batcher, self._batcher = self._batcher, None
            await batcher.aclose()
        await self.api.aclose()

    async def __aenter__(self) -> Model:
        return self

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc: object) -> None:
        """Close outside an event loop (`with get_model(...) as model:`)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._close_quietly())
            return
        raise RuntimeError("inside a running event loop, use `async with` to close a model")

    async def _close_quietly(self) -> None:
        # Clients made in an event loop that has ended cannot be closed from a new one.
        try:
            await self.aclose()
        except RuntimeError as ex:
            if "Event loop is closed" not in str(ex):
                raise

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _call_fields(call: CallRecord | None) -> dict[str, Any]:
    """A model event's fields from the call's record: retries, waits, HTTP bodies."""
    if call is None:
        return {}
    exchange = None
    if call.request is not None or call.response is not None:
        exchange = {"request": call.request, "response": call.response}
    return {"retries": call.retries or None, "waited": round(call.waited, 6) or None,
            "call": exchange}
