"""Running one task: models, plan, streamed samples, the log, the results."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from ..dataset import Dataset
from ..dataset._sample import Sample
from ..hooks._hooks import SampleEnd, SampleStart, TaskEnd, TaskStart, emit
from ..log._model import EvalError, EvalLog, EvalSample, ModelCallStats
from ..log._writer import LogWriteError, LogWriter
from ..model._get import model_context
from ..model._model import Model, ModelStats, task_stats
from ..model.providers._replicas import task_replicas
from ..sandbox import TaskSandboxes
from ..scorers._scorer import ScorerMetrics
from ..solvers._compaction import CompactionConfig
from ..solvers._params import task_params
from ..suite._model import TaskDef
from ..tools._lifetime import resource_scope
from ._build import SetupErrors, TaskParts
from ._gates import apply_thresholds
from ._header import RunSetup, add_counts, build_header, failed_header, setup_run, stats_of
from ._options import RunOptions
from ._results import ScoreBook, compute_results
from ._sample import Plan, error_of, run_sample, sample_error_fails

_CHUNK = 64  # samples read per trip to the reader thread

# Samples run somewhere else (the Ray executor's units): given the task's setup, its log
# header and the (sample id, epoch) pairs to skip, it yields finished samples, which the
# task records exactly as it records its own.
SampleSource = Callable[
    [RunSetup, EvalLog, set[tuple[str, int]]], AsyncIterator[EvalSample]
]


class TaskDisplay:
    """What the executor tells a display; the base class shows nothing."""

    def task_models(self, log: EvalLog, models: list[Model]) -> None:
        """The models a task calls (evaluated and roles), told just before task_start."""

    def task_start(self, log: EvalLog, total: int | None) -> None: ...
    def sample_done(self, log: EvalLog, sample: EvalSample) -> None: ...
    def task_end(self, log: EvalLog) -> None: ...


@dataclass
class _Progress:
    book: ScoreBook = field(default_factory=ScoreBook)
    stop: bool = False
    first_error: EvalError | None = None


async def run_task(
    task: TaskDef,
    options: RunOptions,
    display: TaskDisplay | None = None,
    skip: set[tuple[str, int]] | None = None,
    carry: Iterable[EvalSample] | None = None,
    prior: dict[str, ModelCallStats] | None = None,
    source: SampleSource | None = None,
    writer_for: Callable[[str], LogWriter] = LogWriter,
    parts: TaskParts | None = None,
    dataset: Dataset | None = None,
) -> EvalLog:
    """Run a task and return its log header (samples are in the log file, not in memory).

    `skip` holds (sample id, epoch) pairs already done by an earlier run, and `carry` those
    samples themselves: a retry copies them into the new log and runs only the rest.
    `prior` holds the earlier run's call counts, so the new log's stats cover both runs
    (its token usage is summed from the carried samples).
    `source` replaces running the samples here; `writer_for` makes the log's writer.
    `parts` and `dataset` are the preflight's (see `TaskRun`): built again only if absent.
    """
    display = display or TaskDisplay()
    try:
        run = await setup_run(task, options, parts, dataset)
    except Exception as ex:  # this task fails with a log saying why; its siblings go on
        return await _setup_failed(task, options, display, ex, writer_for)
    sandboxes = TaskSandboxes(task.sandbox, task.base_dir, run.run_id)
    log = build_header(task, options, run)
    log.location = run.location  # not written to the file; lets displays name the log
    writer = await _started(writer_for, log)
    if writer is None:  # the log folder refuses it: this task's error, its siblings go on
        display.task_models(log, [])
        display.task_start(log, 0)
        display.task_end(log)
        return log
    progress = _Progress()
    scope = _prior_scope(prior or {})
    params_token = task_params.set(dict(task.params))
    stats_token = task_stats.set(scope)
    replicas_token = task_replicas.set(log.stats.replicas)  # counted straight into the log
    try:
        if carry is not None:  # read in a thread: a big log must not stall the event loop
            await _carry_in_thread(carry, writer, progress.book, scope)
        display.task_models(log, [m for m in (run.model, *run.roles.values()) if m is not None])
        display.task_start(log, run.total)
        await emit("on_task_start", TaskStart, log)
        with model_context(run.model, run.roles):
            async with resource_scope("task"):  # MCP servers shared by the task's samples
                if run.early_stopping is not None:
                    await run.early_stopping.start_task(task.name, run.total, run.epochs)
                if source is None:
                    await sandboxes.start()  # a missing image fails before any sample
                    await _run_samples(task, options, run, log, writer, progress, display,
                                       skip or set(), sandboxes)
                else:
                    await _take_samples(source(run, log, skip or set()), _Recorder(
                        task, options, run, log, writer, progress, display))
        _finish_status(task, options, log, progress, run.metrics, _planned(run))
        if run.early_stopping is not None and log.results is not None:
            summary = await run.early_stopping.complete_task()
            log.results.early_stopping = summary.model_dump(exclude_none=True)
    except asyncio.CancelledError:
        log.status = "cancelled"
        log.results = compute_results(
            progress.book, run.metrics, task.epochs.reducers, task.base_dir, _planned(run)
        )
        raise
    except Exception as ex:
        log.status = "error"
        log.error = error_of(ex)
    finally:
        task_params.reset(params_token)
        task_stats.reset(stats_token)
        task_replicas.reset(replicas_token)
        log.stats = stats_of(scope, log.stats)
        log.logging = run.log_capture.finish()
        await asyncio.shield(asyncio.to_thread(writer.finish, log))
        if writer.failure is not None and log.status == "success":  # the trailer failed
            log.status, log.error = "error", error_of(writer.failure)
        display.task_end(log)
        await sandboxes.close()  # last: a cancellation it passes on skips nothing above
        await asyncio.shield(emit("on_task_end", TaskEnd, log))
    return log


def _planned(run: RunSetup) -> int | None:
    """How many (sample, epoch) runs the task has in all, when known."""
    return run.total * run.epochs if run.total is not None else None


async def _carry_in_thread(
    carry: Iterable[EvalSample], writer: LogWriter, book: ScoreBook,
    scope: dict[str, ModelStats],
) -> None:
    try:
        await asyncio.to_thread(_carry_over, carry, writer, book, scope)
    except asyncio.CancelledError:
        writer.cancel()  # the copying thread stops at its next sample
        raise


async def _run_samples(
    task: TaskDef,
    options: RunOptions,
    run: RunSetup,
    log: EvalLog,
    writer: LogWriter,
    progress: _Progress,
    display: TaskDisplay,
    skip: set[tuple[str, int]],
    sandboxes: TaskSandboxes,
) -> None:
    queue: asyncio.Queue[tuple[Sample, int] | None] = asyncio.Queue(maxsize=run.max_samples * 2)
    compaction = CompactionConfig(**task.compaction) if task.compaction else None
    plan = Plan(run.steps, run.finish, run.scorers, run.limits, run.step_names, run.approval,
                run.prices, sandboxes, compaction, task.cleanup)

    async def produce() -> None:
        samples = run.samples
        while not progress.stop:
            chunk = await asyncio.to_thread(_take, samples, _CHUNK)
            if not chunk:
                break
            for sample in chunk:
                for epoch in range(1, run.epochs + 1):
                    if (str(sample.id), epoch) not in skip and not progress.stop:
                        await queue.put((sample, epoch))
        for _ in range(run.max_samples):
            await queue.put(None)

    record = _Recorder(task, options, run, log, writer, progress, display)

    async def work() -> None:
        while (item := await queue.get()) is not None:
            if progress.stop or await _stopped_early(run, item):
                continue
            if writer.failure is not None:  # no model call for a sample the log cannot keep
                raise writer.failure
            await emit("on_sample_start", SampleStart, log, item[0], item[1])
            result = await run_sample(item[0], item[1], log.eval.model, plan)
            failed: list[EvalError] = []
            while result.error is not None and len(failed) < options.retry_on_error:
                failed.append(result.error)
                result = await run_sample(item[0], item[1], log.eval.model, plan)
            if failed:
                result.error_retries = failed  # the errors of the failed tries, kept
            record(result)
            if run.early_stopping is not None:
                scores = {} if result.error is not None else dict(result.scores)
                await run.early_stopping.complete_sample(result.id, result.epoch, scores)
            await emit("on_sample_end", SampleEnd, log, result)

    workers = [asyncio.create_task(work()) for _ in range(run.max_samples)]
    producer = asyncio.create_task(produce())
    try:
        await asyncio.gather(producer, *workers)
    finally:
        for t in [producer, *workers]:
            t.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(producer, *workers, return_exceptions=True)


async def _started(writer_for: Callable[[str], LogWriter], log: EvalLog) -> LogWriter | None:
    """The log's writer, its header written; None when the log cannot be written (a full
    disk, a read-only folder): then `log` says so, and a setup error is kept if it had one."""
    try:
        writer = writer_for(str(log.location))
        await asyncio.to_thread(writer.start, log)
        return writer
    except (LogWriteError, OSError) as ex:
        failure = ex if isinstance(ex, LogWriteError) else LogWriteError(str(log.location), ex)
        if log.error is None:
            log.status, log.error = "error", error_of(failure)
        else:
            log.error.message += f"\n({failure})"
        log.stats.completed_at = log.stats.completed_at or log.stats.started_at
        return None


async def _stopped_early(run: RunSetup, item: tuple[Sample, int]) -> bool:
    """Whether the task's early stopping manager skips this sample's epoch."""
    early = run.early_stopping
    sample_id = item[0].id if item[0].id is not None else ""
    return early is not None and await early.schedule_sample(sample_id, item[1]) is not None


async def _setup_failed(
    task: TaskDef, options: RunOptions, display: TaskDisplay, ex: Exception,
    writer_for: Callable[[str], LogWriter],
) -> EvalLog:
    log = failed_header(task, options)
    log.status = "error"
    log.error = error_of(ex)
    if isinstance(ex, SetupErrors):  # located problems read better than a traceback
        log.error.message = "\n".join(str(e) for e in ex.errors)
    log.stats.completed_at = log.stats.started_at
    writer = await _started(writer_for, log)
    if writer is not None:
        await asyncio.shield(asyncio.to_thread(writer.finish, log))
    display.task_models(log, [])
    display.task_start(log, 0)
    display.task_end(log)
    return log


@dataclass
class _Recorder:
    """Takes a finished sample into the log, the results and the display."""

    task: TaskDef
    options: RunOptions
    run: RunSetup
    log: EvalLog
    writer: LogWriter
    progress: _Progress
    display: TaskDisplay

    def __call__(self, result: EvalSample) -> None:
        progress = self.progress
        self.writer.write_sample(result)
        progress.book.add(result)
        self.display.sample_done(self.log, result)
        if result.error is not None:
            progress.first_error = progress.first_error or result.error
            planned = (self.run.total or progress.book.total) * self.run.epochs
            fail_on_error = _fail_on_error(self.task, self.options)
            if sample_error_fails(progress.book.errors, planned, fail_on_error):
                progress.stop = True


async def _take_samples(samples: AsyncIterator[EvalSample], record: _Recorder) -> None:
    try:
        async for result in samples:
            record(result)
            await emit("on_sample_end", SampleEnd, record.log, result)
            if record.progress.stop:
                break
    finally:
        close = getattr(samples, "aclose", None)
        if close is not None:
            await close()  # stops the units still running


def _prior_scope(prior: dict[str, ModelCallStats]) -> dict[str, ModelStats]:
    scope = {name: ModelStats() for name in prior}
    for name, calls in prior.items():
        add_counts(scope[name], calls)
    return scope


def _carry_over(
    carry: Iterable[EvalSample], writer: LogWriter, book: ScoreBook,
    scope: dict[str, ModelStats],
) -> None:
    for sample in carry:
        if writer.cancelled:
            return
        writer.write_sample(sample)
        writer.wait_backlog()  # reading outpaces writing: keep the queue short
        book.add(sample)
        for name, usage in sample.model_usage.items():
            stats = scope.setdefault(name, ModelStats())
            stats.usage = stats.usage + usage
    # The copies are on disk before any new model call: a log that cannot take them (a
    # full disk) fails here, before spending anything.
    writer.wait_backlog(0)


def _take(samples: Iterator[Sample], n: int) -> list[Sample]:
    return list(islice(samples, n))


def _finish_status(
    task: TaskDef,
    options: RunOptions,
    log: EvalLog,
    progress: _Progress,
    metrics: dict[str, ScorerMetrics],
    planned: int | None = None,
) -> None:
    book = progress.book
    # A run stopped early (too many errors) did not run them all: its total is the plan's.
    log.results = compute_results(book, metrics, task.epochs.reducers, task.base_dir,
                                  planned if progress.stop else None)
    fail_on_error = _fail_on_error(task, options)
    if sample_error_fails(book.errors, book.total, fail_on_error) or progress.stop:
        log.status = "error"
        first = progress.first_error
        detail = f": {first.message}" if first else ""
        log.error = EvalError(
            message=f"{book.errors} of {book.total} samples failed{detail}",
            traceback=first.traceback if first else None,
        )
        return
    log.status = "success"
    # A missed threshold fails the gate (exit 1), not the run: the log stays a success.
    # Without scores there is nothing to gate yet: `evalrunner score` applies them later.
    if not options.no_score:
        apply_thresholds(log, log.eval.thresholds)


def _fail_on_error(task: TaskDef, options: RunOptions) -> bool | float | None:
    return options.fail_on_error if options.fail_on_error is not None else task.fail_on_error
