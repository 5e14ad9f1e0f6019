"""One unit of a distributed run: a shard of one task's samples, run by the normal executor.

A unit runs in a Ray worker (or any process): it loads the task again from the suite file
its log header names, exactly as `retry` does (the task hash must match), runs its shard
of samples with `run_task`, and hands each finished sample back as it finishes. It writes
no log: the driver writes the task's one log from the samples it receives.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..log._model import EvalError, EvalLog, EvalSample, EvalSpec, EvalStats
from ..log._writer import LogWriter
from ..model._get import close_models
from ..model._model import connection_share, task_stats
from ..model.providers._replicas import task_replicas
from ._header import stats_of
from ._options import RunOptions
from ._ray_guard import DriverRef, driver_gone, driver_is_here
from ._retry import load_logged_task, plan_logged
from ._sample import error_of
from ._task import TaskDisplay, run_task

_BATCH = 256  # samples handed back at most per message
_WATCH_SECONDS = 1.0  # how often a unit looks for its driver


@dataclass
class UnitSpec:
    """What a unit runs: the driver's log header pins the task; `options.shard` the samples."""

    header: EvalSpec
    location: str  # the driver's log: a relative suite path is also looked up beside it
    options: RunOptions
    slot: tuple[int, int]  # (k, U): this unit's share of every connection limit
    skip: set[tuple[str, int]] = field(default_factory=set)
    cwd: str | None = None  # the driver's working folder, when this node has it too
    # The driver's provider settings (keys, base URLs): carried in the spec, never in
    # Ray's runtime environment, which Ray shows and logs.
    env: dict[str, str] = field(default_factory=dict)
    driver: DriverRef | None = None  # watched: a unit stops when its driver is gone


# What a provider reads from the environment: keys, endpoints, regions, projects.
_PROVIDER_ENV = re.compile(
    r"^(EVALRUNNER_\w+|(AWS|AZURE|GOOGLE|HF|VERTEX)_\w+"
    r"|\w+_(API_KEY|BASE_URL|API_BASE|API_VERSION|KEY|TOKEN|ENDPOINT|REGION|PROJECT))$"
)


def provider_env() -> dict[str, str]:
    """The variables of this process's environment that providers read."""
    return {k: v for k, v in os.environ.items() if _PROVIDER_ENV.match(k)}


@dataclass
class UnitBatch:
    """Finished samples, and the unit's model call counts and usage so far: what a driver
    counts for a unit whose worker dies before its end."""

    samples: list[EvalSample]
    stats: EvalStats


@dataclass
class UnitEnd:
    """The last message of a unit: its model call counts and how it ended."""

    stats: EvalStats
    error: EvalError | None = None


class _Discard(LogWriter):
    """A writer that keeps nothing: the driver writes the log."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.samples_written = 0

    def start(self, log: EvalLog) -> None: ...
    def write_sample(self, sample: EvalSample) -> None: ...
    def finish(self, log: EvalLog) -> None: ...
    def abandon(self) -> None: ...


_Done = tuple[EvalSample, EvalStats]


class _Handback(TaskDisplay):
    def __init__(self, emit: Callable[[_Done | UnitEnd], None]) -> None:
        self.emit = emit

    def sample_done(self, log: EvalLog, sample: EvalSample) -> None:
        self.emit((sample, _stats_so_far()))


def _stats_so_far() -> EvalStats:
    """A copy of the running task's call counts and usage (the sample's context has them)."""
    scope = task_stats.get() or {}
    replicas = {url: c.model_copy() for url, c in (task_replicas.get() or {}).items()}
    return stats_of(scope, EvalStats(replicas=replicas))


def unit_messages(spec: UnitSpec) -> Iterator[UnitBatch | UnitEnd]:
    """Run a unit, yielding batches of finished samples as they come, then its UnitEnd.

    The executor runs on its own event loop in a thread, so this stays a plain generator
    (what a Ray streaming task is) while samples run concurrently.
    """
    inbox: queue.SimpleQueue[_Done | UnitEnd] = queue.SimpleQueue()
    thread = threading.Thread(
        target=lambda: asyncio.run(_run(spec, inbox.put)), name="evalrunner-unit", daemon=True
    )
    thread.start()
    if spec.driver is not None:
        threading.Thread(target=_watch, args=(spec.driver,), name="evalrunner-driver-watch",
                         daemon=True).start()
    while True:
        item = inbox.get()
        if isinstance(item, UnitEnd):
            thread.join()
            yield item
            return
        batch = [item]
        while len(batch) < _BATCH:
            try:
                more = inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(more, UnitEnd):
                inbox.put(more)
                break
            batch.append(more)
        yield UnitBatch([sample for sample, _ in batch], batch[-1][1])


def _watch(driver: DriverRef) -> None:
    """Ends this process once the driver is gone: nobody would get what it finishes, and
    its model calls would go on costing."""
    # Elsewhere it asks the cluster's GCS, one request per look: less often.
    every = _WATCH_SECONDS if driver_is_here(driver) else 5 * _WATCH_SECONDS
    while True:
        time.sleep(every)
        if driver_gone(driver):
            os._exit(1)


async def _run(spec: UnitSpec, emit: Callable[[_Done | UnitEnd], None]) -> None:
    token = connection_share.set(spec.slot)
    saved = {k: os.environ.get(k) for k in spec.env}
    os.environ.update(spec.env)
    try:
        if spec.cwd and Path(spec.cwd).is_dir():
            os.chdir(spec.cwd)  # relative suite, dataset and template paths resolve as there
        task = load_logged_task(EvalLog(eval=spec.header, location=spec.location))
        # The driver decides whether errors fail the task: a unit runs all of its samples.
        options = dataclasses.replace(spec.options, fail_on_error=False, retry_of=None)
        # Built through the preflight, as every run is (a unit writes no log of its own).
        built = await asyncio.to_thread(plan_logged, spec.location, task, options, False)
        log = await run_task(task, options, _Handback(emit), skip=spec.skip, writer_for=_Discard,
                             parts=built.parts, dataset=built.dataset)
        emit(UnitEnd(stats=log.stats, error=log.error if log.status == "error" else None))
    except Exception as ex:
        emit(UnitEnd(stats=EvalStats(), error=error_of(ex)))
    finally:
        connection_share.reset(token)
        await close_models()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
