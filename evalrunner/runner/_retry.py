"""Retrying a log: finish what an errored, cancelled or killed run left undone.

The task is loaded again from the suite file the log names, with the log's params, model,
model args and roles, generation config, sample selection, shard, epochs and dataset
shuffle seed. Every (sample, epoch) that finished without an error, in the log or in the
logs it continued itself, is copied into the new log as it was; only the rest go to the
model. The new log names the old ones in `retry_of`. A retry holds a lock on its log and
is refused when the task, dataset, templates or Python files changed (see _retry_guard).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..log._io import list_eval_logs, read_eval_log, read_eval_log_samples
from ..log._lock import LogLock, LogLockError, lock_chain
from ..log._model import EvalLog, EvalSample
from ..model._config import GenerateConfig
from ..suite._model import TaskDef
from ._options import RunOptions
from ._plan import TaskRun
from ._retry_guard import changes_since, retry_chain
from ._session import run_all, session
from ._task import TaskDisplay
from ._trust import logged_addresses

RETRYABLE = ("error", "cancelled", "started")
FORCE_HINT = "run the task again, or `retry --force` to mix them anyway"


class RetryError(Exception):
    """A log that cannot be retried (unreadable, or its suite is gone or changed)."""


@dataclass
class RetryJob:
    """One log to finish: the task as it was run, and the options that reproduce it."""

    log: EvalLog  # header only
    task: TaskDef
    options: RunOptions
    done: set[tuple[str, int]]  # (sample id, epoch) pairs that finished
    chain: list[str] = dataclasses.field(default_factory=list)  # the log, then older ones
    locks: list[LogLock] = dataclasses.field(default_factory=list)  # of the whole chain
    changed: list[str] = dataclasses.field(default_factory=list)  # accepted with force
    built: TaskRun | None = None  # the task built by the preflight, as a run builds it

    def carry(self) -> Iterator[EvalSample]:
        """The finished samples of the chain of logs, newest first, each (sample, epoch)
        once, streamed (a big log is never all in memory)."""
        seen: set[tuple[str, int]] = set()
        for location in self.chain or [str(self.log.location)]:
            for sample in _samples(location):
                key = (str(sample.id), sample.epoch)
                if sample.error is None and key not in seen:
                    seen.add(key)
                    yield sample

    def release(self) -> None:
        for lock in self.locks:
            lock.release()
        self.locks = []

    def as_run(self) -> TaskRun:
        """The task run that finishes this log (it releases the lock when it ends)."""
        built = self.built or TaskRun(self.task, self.options)
        return dataclasses.replace(built, skip=self.done, carry=self.carry(),
                                   prior=self.log.stats.models, release=self.release)


def _samples(location: str) -> Iterator[EvalSample]:
    try:
        yield from read_eval_log_samples(location)
    except (OSError, ValueError):
        return  # an older log of the chain that cannot be read adds nothing


def retry_targets(paths: Sequence[str]) -> list[str]:
    """Logs to retry: a file is itself; a folder gives its unfinished logs.

    In a folder, a log that a later log already retried (`retry_of`) is left out, so running
    `retry logs/` twice does not redo work; so is an unfinished log of a run that a newer
    log ran again (the same task, model and selection: a rerun, or an eval set's attempt),
    so that each run is retried once, from its newest log.
    """
    out: list[str] = []
    for path in paths:
        if not Path(path).is_dir() and "://" not in path:
            out.append(path)
            continue
        headers = list_eval_logs(path)  # newest first
        retried = retried_names(headers)
        newest: dict[str, EvalLog] = {}
        for log in headers:
            newest.setdefault(_run_key(log), log)
        out.extend(
            str(log.location) for log in reversed(newest.values())
            if log.status in RETRYABLE and _name(str(log.location)) not in retried
        )
    return out


def unreadable_logs(paths: Sequence[str]) -> list[tuple[str, str]]:
    """(location, why) of each file in the local folders among `paths` that is named as a log
    but cannot be read as one: an empty file left by a full disk, a file without access."""
    out: list[tuple[str, str]] = []
    for path in paths:
        if "://" in path or not Path(path).is_dir():
            continue
        for file in sorted(Path(path).rglob("*.json")):
            if file.name.startswith("."):
                continue
            try:
                read_eval_log(str(file), header_only=True)
            except OSError as ex:
                out.append((str(file), ex.strerror or str(ex)))
            except ValueError as ex:
                out.append((str(file), "empty" if _empty(file) else str(ex)))
    return out


def _empty(file: Path) -> bool:
    try:
        return file.stat().st_size == 0
    except OSError:
        return False


def _run_key(log: EvalLog) -> str:
    """What makes two logs runs of the same thing: task, model, settings and selection."""
    spec = log.eval
    return json.dumps([
        spec.suite_file, spec.task, spec.stamp.task_hash, spec.model, spec.model_args,
        spec.model_roles, spec.params, spec.limit, spec.sample_ids, spec.epochs, spec.shard,
    ], sort_keys=True, default=str)


def retried_names(logs: Sequence[EvalLog]) -> set[str]:
    """File names of the logs that one of `logs` retried (names survive moving a folder,
    as CI artifacts do)."""
    return {_name(old) for log in logs for old in log.eval.retry_of or []}


def _name(location: str) -> str:
    return location.rsplit("/", 1)[-1]


def prepare_retry(
    location: str, base: RunOptions, force: bool = False, hint: str = FORCE_HINT
) -> RetryJob:
    """Lock a log and the logs it continued, read its header and their finished samples,
    and load its task again, unchanged (`force`: changed, but go on; `hint`: what to do
    about a changed one)."""
    log = _header(location)
    chain = retry_chain(log)
    try:
        locks = lock_chain(chain, "retrying")
    except LogLockError as ex:
        raise RetryError(f"{ex} (it writes or resumes the same samples)") from None
    except OSError as ex:
        raise RetryError(f"{location}: cannot lock the log: {ex.strerror or ex}") from None
    try:
        # Read again under the locks: the holder may have finished the log, or retried it,
        # between our first look and taking them.
        log = _header(location)
        if retry_chain(log) != chain:
            raise RetryError(f"{location}: changed while being locked; retry it again")
        return _prepare(location, log, base, force, locks, chain, hint)
    except BaseException:
        for lock in locks:
            lock.release()
        raise


def _header(location: str) -> EvalLog:
    try:
        return read_eval_log(location, header_only=True)
    except (OSError, ValueError) as ex:
        raise RetryError(f"{location}: cannot read the log: {ex}") from None


def _prepare(
    location: str, log: EvalLog, base: RunOptions, force: bool, locks: list[LogLock],
    chain: list[str], hint: str,
) -> RetryJob:
    spec = log.eval
    later = _retried_by(location)
    if later and not force:
        raise RetryError(f"{location}: already retried by {later}; retry that log instead")
    task = load_logged_task(log)
    changed = changes_since(log, task)
    if changed and not force:
        raise RetryError(
            f"{location}: changed since the run: {'; '.join(changed)}. A retry would mix "
            f"samples of the old and new versions in one log: {hint}"
        )
    if base.model_base_url is None and "***" in (spec.model_base_url or ""):
        raise RetryError(
            f"{location}: the run's base URL held a secret, which the log does not keep "
            f"({spec.model_base_url}): give it again with --model-base-url"
        )
    done = {(str(s.id), s.epoch) for older in chain for s in _samples(older)
            if s.error is None}
    options = dataclasses.replace(
        base,
        model=spec.model,
        models=list(spec.models) if spec.models else None,
        model_args=dict(spec.model_args),
        model_roles=dict(spec.model_roles),
        model_base_url=base.model_base_url or spec.model_base_url,
        # The logged config, with anything given to `retry` (e.g. fewer connections) on top.
        config=GenerateConfig(**spec.config).merge(base.config),
        limit=(spec.limit[0], spec.limit[1]) if spec.limit else None,
        sample_ids=[str(i) for i in spec.sample_ids] if spec.sample_ids else None,
        epochs=spec.epochs,
        shard=(spec.shard[0], spec.shard[1]) if spec.shard else None,
        fail_under=dict(spec.thresholds),
        log_dir=base.log_dir if base.log_dir != "logs" else _folder_of(location),
        log_format="eval" if location.endswith(".eval") else "json",  # the log's own
        retry_of=chain,
    )
    built = plan_logged(location, task, options)
    # The log's addresses are the log's, not the user's: the suite's trust rule holds.
    parts = built.parts
    if parts and (refused := logged_addresses(location, log, parts.model, parts.roles, base)):
        raise RetryError("\n".join(str(error) for error in refused))
    return RetryJob(log=log, task=task, options=options, done=done, chain=chain, locks=locks,
                    changed=changed, built=built)


def plan_logged(location: str, task: TaskDef, options: RunOptions, writes: bool = True
                ) -> TaskRun:
    """A logged task built through the preflight every run goes through (its errors, all
    of them, raise RetryError); `writes=False` for a unit that writes no log."""
    from ._preflight import check_run

    runs, errors = check_run([task], options, writes=writes)
    if errors:
        found = "\n".join(str(e) for e in errors)
        raise RetryError(f"{location}: the task no longer passes its checks:\n{found}")
    return runs[0]


def _retried_by(location: str) -> str | None:
    """A later log beside this one that continued it already (a retry that ran before the
    lock was taken, as when two `retry` commands start together)."""
    if "://" in location:
        return None
    name = _name(location)
    for header in list_eval_logs(_folder_of(location)):
        if name in {_name(old) for old in header.eval.retry_of or []}:
            return str(header.location)
    return None


async def retry_logs_async(
    jobs: Sequence[RetryJob], max_tasks: int = 1, display: TaskDisplay | None = None,
    ended: list[EvalLog] | None = None, unstarted: Sequence[TaskRun] = (),
) -> list[EvalLog]:
    """Run what is left of each log into a new log that holds all of its samples, and the
    `unstarted` task runs of earlier runs (which made no log) from the start.

    `ended` receives each log as it ends (cancelled ones too), as for `eval_tasks_async`.
    """
    runs = [*(job.as_run() for job in jobs), *unstarted]
    try:
        async with session([r.task.name for r in runs], display, ended) as shown:
            return await run_all(runs, max_tasks, shown)
    finally:
        for job in jobs:  # those that never started (a run that ended does this itself)
            job.release()


def _find_suite(path: Path, location: str | None) -> Path:
    """The suite a log names, relative to where the run started: found from another folder
    too, since logs usually live inside the project the run started in."""
    if path.is_absolute() or path.is_file() or not location or "://" in location:
        return path
    for folder in Path(location).resolve().parents:
        if (folder / path).is_file():
            return folder / path
    return path


def load_logged_task(log: EvalLog) -> TaskDef:
    """The task a log ran, loaded again from its suite (or task) file with its params."""
    from ..dataset._read import OBJECT_KEY
    from ..suite import SpecErrors
    from ..suite._select import load_file

    spec = log.eval
    if not spec.suite_file:
        raise RetryError(f"{log.location}: the log does not name its suite file")
    file = _find_suite(Path(spec.suite_file), log.location)
    overrides = {k: json.dumps(v) for k, v in spec.params.items()}  # JSON is YAML
    try:
        suite = load_file(file, _declared_only(file, overrides))
    except SpecErrors as ex:
        raise RetryError(f"{log.location}: the suite no longer loads:\n{ex}") from None
    task = next((t for t in suite.tasks if t.name == spec.task), None)
    if task is None:
        raise RetryError(f"{log.location}: task '{spec.task}' is no longer in {file}")
    if spec.dataset.shuffled and spec.dataset.seed is not None:
        # The same order, so --limit selects the same samples as before.
        made = task.dataset.get(OBJECT_KEY)
        if made is not None:  # a Python task's dataset, already made
            made.shuffled, made.seed = True, spec.dataset.seed
        else:
            task = dataclasses.replace(
                task, dataset={**task.dataset, "shuffle": spec.dataset.seed})
    return task


def _declared_only(file: Path, overrides: dict[str, str]) -> dict[str, str]:
    """The logged params that the suite still declares (others would be an unknown -T)."""
    from ..suite import SpecErrors
    from ..suite._select import load_file

    try:
        declared = {k for t in load_file(file).tasks for k in t.params}
    except SpecErrors:
        return overrides  # let the real load report the errors
    return {k: v for k, v in overrides.items() if k in declared}


def _folder_of(location: str) -> str:
    return location.rsplit("/", 1)[0] if "/" in location else "."


def eval_retry(
    logs: str | EvalLog | Sequence[str | EvalLog], options: RunOptions | None = None,
    force: bool = False,
) -> list[EvalLog]:
    """Finish unfinished logs (files, folders or headers from `list_eval_logs`); returns
    the new logs. `options` may lower connections, change the log folder, etc.; `force`
    retries a log whose task, dataset or templates changed since (mixing both). Inside a
    running event loop (a notebook) the retry gets its own loop in a worker thread."""
    items = [logs] if isinstance(logs, str | EvalLog) else list(logs)
    paths = [str(x.location) if isinstance(x, EvalLog) else x for x in items]
    base = options or RunOptions()
    jobs: list[RetryJob] = []
    try:
        for target in retry_targets(paths):
            jobs.append(prepare_retry(target, base, force))
    except BaseException:
        for job in jobs:
            job.release()
        raise
    from ._entry import run_sync

    return run_sync(lambda: retry_logs_async(jobs, base.max_tasks))
