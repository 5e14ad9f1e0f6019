"""Eval sets: run every task x model into a log folder until each has a successful log.

Before running, the folder is read: a task x model whose latest log there is a success
(same task hash, model, model args, config, samples and epochs) is skipped; one whose
latest log is unfinished (error, cancelled, or killed mid-run) is resumed through the
retry machinery, keeping its finished samples. Then up to `attempts` more rounds retry
what is still not a success, waiting longer each time and with fewer connections.

One eval set at a time owns a log folder: it locks the folder (a second copy is refused,
naming the first), and each resume locks the chain of logs it continues, as `retry` does,
so nothing is resumed while another process writes it. Every resume of the first round is
prepared (and refused, with every reason at once) before any model is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..log._io import list_eval_logs
from ..log._lock import LogLockError, lock_log
from ..log._model import EvalLog
from ..model._config import CONNECTION_FIELDS
from ..model._get import close_models, get_model
from ..suite._model import TaskDef
from ._options import RunOptions
from ._plan import RunPlan, TaskRun, as_runs
from ._retry import RetryError, RetryJob, prepare_retry, retried_names
from ._session import run_all, session
from ._task import TaskDisplay

MAX_WAIT = 3600.0  # seconds: the longest wait between two attempts


@dataclass(frozen=True)
class RetryPolicy:
    """How an eval set retries task runs that did not succeed."""

    attempts: int = 0  # rounds after the first
    wait: float = 30.0  # seconds before the first retry round; doubled each round
    connections: float = 1.0  # max_connections is multiplied by this each round


def same_run(log: EvalLog, task: TaskDef, options: RunOptions) -> bool:
    """Whether `log` is a run of `task` with `options` (connection settings aside, which
    retries lower)."""
    spec = log.eval
    config = task.config.merge(options.config).set_fields()
    logged = {k: v for k, v in spec.config.items() if k not in CONNECTION_FIELDS}
    return (
        spec.task == task.name
        and spec.stamp.task_hash == task.resolved_hash
        and spec.model == (options.model or task.model or "none")
        and spec.model_args == {**task.model_args, **options.model_args}
        and spec.model_roles == {**task.model_roles, **options.model_roles}
        and logged == {k: v for k, v in config.items() if k not in CONNECTION_FIELDS}
        and spec.limit == (list(options.limit) if options.limit else None)
        and spec.sample_ids == (list(options.sample_ids) if options.sample_ids else None)
        and spec.epochs == (options.epochs or task.epochs.count)
        and spec.shard == (list(options.shard) if options.shard else None)
    )


def latest_log(logs: Sequence[EvalLog], task: TaskDef, options: RunOptions) -> EvalLog | None:
    """The newest log of this task run that no other log has retried, or None."""
    retried = retried_names(logs)
    for log in logs:  # newest first
        name = str(log.location).rsplit("/", 1)[-1]
        if name not in retried and same_run(log, task, options):
            return log
    return None


async def eval_set_async(
    tasks: RunPlan | Sequence[TaskDef],
    options: RunOptions,
    policy: RetryPolicy,
    display: TaskDisplay | None = None,
    notify: Callable[[str], None] = lambda _: None,
    ended: list[EvalLog] | None = None,
) -> list[EvalLog]:
    """Run (or skip, or resume) every task x model into `options.log_dir`, retrying until
    each has a successful log or the attempts are spent. Returns the latest log of each.

    The whole set is one session (one run for hooks); each round runs its task runs as
    `run` does. `ended` receives each task's log as it ends, as for `eval_tasks_async`.
    """
    planned = as_runs(tasks, options)
    with _own_folder(options.log_dir):
        existing = await asyncio.to_thread(list_eval_logs, options.log_dir)
        latest = [latest_log(existing, r.task, r.options) for r in planned]
        skipped = sum(1 for log in latest if log is not None and log.status == "success")
        if skipped:
            notify(f"{skipped} of {len(planned)} task runs already have a successful log: "
                   "skipped")
        resumes = await asyncio.to_thread(_prepare_resumes, planned, latest)
        try:
            names = [t.name for t in (tasks.tasks if isinstance(tasks, RunPlan) else tasks)]
            async with session(names, display, ended) as shown:
                await _rounds(planned, latest, resumes, options, policy, shown, notify)
        finally:
            for job in resumes.values():  # those a Ctrl-C left unstarted
                job.release()
    return [log for log in latest if log is not None]


async def _rounds(
    planned: list[TaskRun],
    latest: list[EvalLog | None],
    resumes: dict[int, RetryJob],
    options: RunOptions,
    policy: RetryPolicy,
    shown: TaskDisplay,
    notify: Callable[[str], None],
) -> None:
    base_connections = [_connections(r.task, r.options) for r in planned]

    def round_run(i: int, attempt: int) -> TaskRun | None:
        task, own = planned[i].task, planned[i].options
        if attempt:
            limit = max(1, int(base_connections[i] * policy.connections**attempt))
            own = dataclasses.replace(
                own, config=own.config.model_copy(update={"max_connections": limit}))
        previous = latest[i]
        if previous is None:  # the first attempt runs on what the preflight built
            return planned[i] if not attempt else TaskRun(task, own)
        job = resumes.pop(i, None)
        if job is None:
            try:
                job = prepare_retry(str(previous.location), own, hint=EVAL_SET_HINT)
            except RetryError as ex:  # a later round: leave that log as it is, say why
                notify(f"not retried: {ex}")
                return None
        return job.as_run()

    for attempt in range(policy.attempts + 1):
        pending = [i for i, log in enumerate(latest) if log is None or log.status != "success"]
        if not pending:
            break
        if attempt:
            wait = min(MAX_WAIT, policy.wait * 2 ** (attempt - 1))
            notify(f"attempt {attempt + 1} of {policy.attempts + 1}: {len(pending)} task "
                   f"runs unfinished, retrying in {wait:g}s")
            await close_models()  # new connection limits take effect with new models
            await asyncio.sleep(wait)
        this_round: list[tuple[int, TaskRun]] = []
        try:
            for i in pending:
                made = await asyncio.to_thread(round_run, i, attempt)
                if made is not None:
                    this_round.append((i, made))
        except BaseException:
            for _, made in this_round:
                if made.release is not None:
                    made.release()
            raise
        logs = await run_all([made for _, made in this_round], options.max_tasks, shown)
        for (i, _), log in zip(this_round, logs, strict=True):
            latest[i] = log


@contextlib.contextmanager
def _own_folder(log_dir: str) -> Iterator[None]:
    """Hold the eval set lock of a local log folder while the eval set runs."""
    if "://" in log_dir:
        yield
        return
    try:
        os.makedirs(log_dir, exist_ok=True)
        lock = lock_log(os.path.join(log_dir, "eval-set"), "an eval set")
    except LogLockError as ex:
        raise RetryError(f"{log_dir}: another eval set uses this log folder: {ex}") from None
    except OSError as ex:
        raise RetryError(f"{log_dir}: cannot lock the log folder: {ex.strerror or ex}") from None
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


def _prepare_resumes(
    planned: list[TaskRun], latest: list[EvalLog | None]
) -> dict[int, RetryJob]:
    """Lock and prepare every resume of the first round; all refusals at once."""
    jobs: dict[int, RetryJob] = {}
    errors: list[str] = []
    for i, log in enumerate(latest):
        if log is None or log.status == "success":
            continue
        try:
            jobs[i] = prepare_retry(str(log.location), planned[i].options, hint=EVAL_SET_HINT)
        except RetryError as ex:
            errors.append(str(ex))
    if errors:
        for job in jobs.values():
            job.release()
        raise RetryError("\n".join(errors))
    return jobs


# What to do about a log that changed since its run, said to someone running an eval set.
EVAL_SET_HINT = ("give the eval set another --log-dir, or finish that log first with "
                 "`evalrunner retry --force LOG` to mix them anyway")


def _connections(task: TaskDef, options: RunOptions) -> int:
    """The connections a run starts with: as configured, else the provider's default."""
    configured = task.config.merge(options.config).max_connections
    if configured:
        return configured
    name = options.model or task.model
    if not name or name == "none":
        return 10
    try:
        args: dict[str, Any] = {**task.model_args, **options.model_args}
        return get_model(name, base_url=options.model_base_url, **args).api.max_connections()
    except Exception:  # the run itself reports a model it cannot create
        return 10
