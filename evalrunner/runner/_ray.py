"""`--executor ray`: tasks split into units of (task, model, shard) run as Ray tasks.

The driver runs each task as usual (`run_task`: models, header, one log, display, results)
but takes its samples from units running on the cluster instead of running them itself.
Each unit is shard k of n of the task's samples, run by the normal executor in a Ray worker
(see `_unit`), streaming its finished samples back as they finish.

Connection limits stay global per endpoint through static shares: the run has U unit
slots (the cluster's CPUs, at most the smallest connection limit of a task's models); a
running unit holds one slot k and may open `limit // U` connections to each endpoint (one
more for the first `limit % U` slots), so the units running at once never hold more than
`limit` between them. A unit whose worker or node dies is run again (at most
`UNIT_RERUNS` times) with every (sample id, epoch) the driver already has skipped: the
identity `retry` uses, so nothing finished is sent to the model twice. Each batch of
samples carries the unit's call counts so far, so a lost unit's finished samples count
in the log's stats. Units watch the driver and end when it is gone; a local Ray started
here has a guard that kills what is left of it (`_ray_guard`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..log._model import EvalLog, EvalSample, EvalStats
from ..model._model import Model, ModelStats, task_stats
from ..model.providers._replicas import task_replicas
from ..suite._model import TaskDef
from ._eval import eval_tasks_async
from ._header import RunSetup, add_counts
from ._options import RunOptions
from ._plan import RunPlan, as_runs
from ._ray_guard import DriverRef, driver_ref, start_guard, stop_guard
from ._resources import fit_in_flight, unit_resources
from ._task import SampleSource, TaskDisplay
from ._unit import UnitBatch, UnitEnd, UnitSpec, provider_env, unit_messages

UNIT_RERUNS = 3
INSTALL_HINT = "--executor ray needs Ray: pip install 'evalrunner[ray]'"


class RayUnavailable(Exception):
    """Ray is not installed, or the cluster cannot be reached."""


class UnitFailed(Exception):
    """A unit failed in the suite's own code (not a lost worker): the task fails."""


@dataclass
class RayOptions:
    """Where to run: an existing cluster's address, else a local Ray started for the run."""

    address: str | None = None
    num_cpus: int | None = None  # a local Ray's CPUs (default: every core)
    units: int | None = None  # units per task (default: the unit slots)


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailable(INSTALL_HINT) from None
    return ray


def run_on_ray(
    tasks: RunPlan | Sequence[TaskDef],
    options: RunOptions,
    ray_options: RayOptions,
    display: TaskDisplay | None = None,
    ended: list[EvalLog] | None = None,
) -> list[EvalLog]:
    """Run every task on a Ray cluster; each task's log is written here, as in one process.

    Joins the cluster (or starts a local Ray) first, in this thread: Ray wants the main
    thread, and nothing else runs yet.
    """
    ray = import_ray()
    guard = start_guard() if _is_local(ray_options) and not ray.is_initialized() else None
    try:
        started = _connect(ray, ray_options)
        try:
            return asyncio.run(eval_tasks_ray(tasks, options, ray_options, display, ended))
        finally:
            if started:
                ray.shutdown()
    finally:
        if guard is not None:  # it kills what a local Ray left behind, even if we are killed
            stop_guard(guard)


def _is_local(opts: RayOptions) -> bool:
    return not (opts.address or os.environ.get("RAY_ADDRESS"))


async def eval_tasks_ray(
    tasks: RunPlan | Sequence[TaskDef],
    options: RunOptions,
    ray_options: RayOptions,
    display: TaskDisplay | None = None,
    ended: list[EvalLog] | None = None,
) -> list[EvalLog]:
    """Run the tasks' units on the Ray cluster this process has joined."""
    ray = import_ray()
    cpus = int(ray.cluster_resources().get("CPU", 1))
    slots = _Slots(max(1, cpus))
    driver = driver_ref(ray.get_runtime_context().get_job_id())
    executor = _RayExecutor(ray, slots, ray_options, _remote_unit(ray), driver)
    # Every (task, model) at once: their units share the cluster's slots.
    runs = len(as_runs(tasks, options))
    wide = dataclasses.replace(options, max_tasks=max(options.max_tasks, runs))
    return await eval_tasks_async(tasks, wide, display, ended, source_for=executor.source)


def _connect(ray: Any, opts: RayOptions) -> bool:
    """Join the cluster at the address (flag, else RAY_ADDRESS) or start a local Ray;
    returns whether this run started it."""
    address = None if _is_local(opts) else opts.address or os.environ["RAY_ADDRESS"]
    if ray.is_initialized():
        return False
    try:
        if address:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
            return True  # disconnects at the end; the cluster keeps running
        ray.init(
            address="local",  # a Ray of its own, even beside a cluster `ray start` made
            num_cpus=opts.num_cpus or os.cpu_count() or 1,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
            object_store_memory=200 * 1024 * 1024,  # samples pass through, they do not stay
        )
    except (ConnectionError, RuntimeError, ValueError) as ex:
        raise RayUnavailable(f"cannot start or reach Ray ({address or 'local'}): {ex}") from None
    return True


def _remote_unit(ray: Any) -> Any:
    def evalrunner_unit(spec: UnitSpec) -> Any:  # the worker's process title names it
        yield from unit_messages(spec)

    return ray.remote(num_returns="streaming", max_retries=0)(evalrunner_unit)


class _Slots:
    """U unit slots; a task whose smallest connection limit is M uses only slots below M."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._free = set(range(count))
        self._changed = asyncio.Condition()

    async def acquire(self, below: int) -> int:
        async with self._changed:
            await self._changed.wait_for(lambda: any(k < below for k in self._free))
            slot = min(self._free)
            self._free.remove(slot)
            return slot

    async def release(self, slot: int) -> None:
        async with self._changed:
            self._free.add(slot)
            self._changed.notify_all()


class _RayExecutor:
    def __init__(
        self, ray: Any, slots: _Slots, ray_options: RayOptions, remote: Any, driver: DriverRef
    ) -> None:
        self.ray = ray
        self.driver = driver
        self.slots = slots
        self.ray_options = ray_options
        self.remote = remote
        # The biggest node's resources: a unit's sandboxes must fit on one node.
        nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
        self.node: dict[str, float] = max(nodes, key=lambda r: r.get("CPU", 0), default={})

    def source(self, task: TaskDef, options: RunOptions) -> SampleSource:
        """The samples of one (task, model) run, from its units on the cluster."""

        async def samples(
            run: RunSetup, log: EvalLog, skip: set[tuple[str, int]]
        ) -> AsyncIterator[EvalSample]:
            limit = min(self.slots.count, _connection_limit(run))
            count = self.ray_options.units or limit
            if run.total is not None:
                count = max(1, min(count, run.total))
            inbox: asyncio.Queue[EvalSample | BaseException | None] = asyncio.Queue()
            scope = task_stats.get()
            runners = [
                asyncio.create_task(self._unit(task, options, run, log, (i, count), limit,
                                               skip, inbox, scope))
                for i in range(1, count + 1)
            ]
            pending = len(runners)
            try:
                while pending:
                    item = await inbox.get()
                    if item is None:
                        pending -= 1
                    elif isinstance(item, BaseException):
                        raise item
                    else:
                        yield item
            finally:
                for runner in runners:
                    runner.cancel()
                await asyncio.gather(*runners, return_exceptions=True)

        return samples

    async def _unit(
        self, task: TaskDef, options: RunOptions, run: RunSetup, log: EvalLog,
        shard: tuple[int, int], limit: int, skip: set[tuple[str, int]],
        inbox: asyncio.Queue[EvalSample | BaseException | None],
        scope: dict[str, ModelStats] | None,
    ) -> None:
        received: set[tuple[str, int]] = set()
        try:
            for attempt in range(UNIT_RERUNS + 1):
                slot = await self.slots.acquire(limit)
                sent = _Sent()
                try:
                    spec = self._spec(task, options, run, log, shard, slot, skip | received)
                    end = await self._stream(task, run, spec, received, inbox, sent)
                except _WorkerLost as lost:
                    # What the lost unit made of its finished samples still counts.
                    _add_stats(scope, sent.stats)
                    _show_calls(_models(run), sent.stats)
                    where = f"{task.name}: unit {shard[0]}/{shard[1]}"
                    if attempt == UNIT_RERUNS:
                        raise UnitFailed(
                            f"{where} lost its worker {UNIT_RERUNS + 1} times: {lost}"
                        ) from None
                    _warn(f"{where} lost its worker ({lost}): running it again without "
                          f"its {len(received)} finished samples")
                    continue
                finally:
                    await self.slots.release(slot)
                if end.error is not None:
                    raise UnitFailed(f"{task.name}: shard {shard[0]}/{shard[1]}: "
                                     f"{end.error.message}")
                _add_stats(scope, end.stats)
                _show_calls(_models(run), end.stats)
                break
            inbox.put_nowait(None)
        except asyncio.CancelledError:
            raise
        except BaseException as ex:
            inbox.put_nowait(ex)

    def _spec(
        self, task: TaskDef, base: RunOptions, run: RunSetup, log: EvalLog,
        shard: tuple[int, int], slot: int, skip: set[tuple[str, int]],
    ) -> UnitSpec:
        samples = _share(base.max_samples or run.max_samples, slot, self.slots.count)
        samples = fit_in_flight(task, samples, self.node)
        options = dataclasses.replace(base, shard=shard, max_samples=samples, epochs=run.epochs)
        return UnitSpec(
            header=log.eval, location=run.location, options=options,
            slot=(slot, self.slots.count), skip=set(skip), cwd=os.getcwd(),
            env=provider_env(), driver=self.driver,
        )

    async def _stream(
        self, task: TaskDef, run: RunSetup, spec: UnitSpec, received: set[tuple[str, int]],
        inbox: asyncio.Queue[EvalSample | BaseException | None], sent: _Sent,
    ) -> UnitEnd:
        exceptions = self.ray.exceptions
        models = _models(run)
        resources = unit_resources(task, spec.options.max_samples or 1)
        refs = self.remote.options(**resources).remote(spec)
        try:
            async for ref in refs:
                message: UnitBatch | UnitEnd = await ref
                if isinstance(message, UnitEnd):
                    return message
                sent.stats = message.stats
                for sample in message.samples:
                    key = (str(sample.id), sample.epoch)
                    if key not in received:  # a rerun never repeats one, but be sure
                        received.add(key)
                        _show_usage(models, sample)
                        inbox.put_nowait(sample)
        except exceptions.RayTaskError as ex:
            raise UnitFailed(f"{task.name}: a unit failed: {ex}") from None
        except exceptions.RayError as ex:  # the worker, its node or its objects were lost
            raise _WorkerLost(type(ex).__name__) from None
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                self.ray.cancel(refs, force=True)
            raise
        raise _WorkerLost("the unit ended without its last message")


class _WorkerLost(Exception):
    pass


@dataclass
class _Sent:
    """A unit's call counts and usage as of its last batch of samples."""

    stats: EvalStats | None = None


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def _share(limit: int, slot: int, slots: int) -> int:
    return max(1, limit // slots + (1 if slot < limit % slots else 0))


def _connection_limit(run: RunSetup) -> int:
    """The smallest connection limit among the task's models (each endpoint's own)."""
    limits = []
    if run.model is not None:
        limits.append(run.config.max_connections or run.model.api.max_connections())
    limits += [m.config.max_connections or m.api.max_connections() for m in run.roles.values()]
    return max(1, min(limits, default=run.max_samples))


def _models(run: RunSetup) -> dict[str, Model]:
    return {m.name: m for m in (run.model, *run.roles.values()) if m is not None}


def _show_usage(models: dict[str, Model], sample: EvalSample) -> None:
    """Tokens of a sample run elsewhere, on the driver's models for the live display."""
    for name, usage in sample.model_usage.items():
        if name in models:
            models[name].stats.usage = models[name].stats.usage + usage


def _show_calls(models: dict[str, Model], stats: EvalStats | None) -> None:
    """A unit's calls, retries and rate limits, for the live display."""
    for name, calls in (stats.models if stats else {}).items():
        if name in models:
            add_counts(models[name].stats, calls)


def _add_stats(scope: dict[str, ModelStats] | None, stats: EvalStats | None) -> None:
    """A unit's model calls and usage counted in the task's stats, as if made here."""
    if scope is None or stats is None:
        return
    for name, calls in stats.models.items():
        add_counts(scope.setdefault(name, ModelStats()), calls)
    for name, usage in stats.model_usage.items():
        own = scope.setdefault(name, ModelStats())
        own.usage = own.usage + usage
    replicas = task_replicas.get()
    if replicas is not None:
        for url, counts in stats.replicas.items():
            known = replicas.get(url)
            replicas[url] = known + counts if known else counts
