"""`evalrunner retry LOG...`: finish what errored, cancelled or killed runs left undone."""

from __future__ import annotations

import asyncio
import atexit
import gc
import os
import sys
from typing import Any

import click

from ._common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    config_from_kwargs,
    config_options,
    option,
)
from ._report import finish, report_cancelled, report_options


@click.command()
@click.argument("paths", nargs=-1, required=True)
@option("--log-dir", default="logs", show_default=True,
        help="Where the new logs go (default: beside each retried log).")
@option("--log-level", default="warning", show_default=True, help="Python log level captured.")
@option("--max-tasks", type=int, default=1, show_default=True,
        help="Logs retried at once.")
@option("--max-samples", type=int,
        help="Samples in flight at once (default: max connections).")
@option(
    "--display", type=click.Choice(["rich", "plain", "none"]), default=None,
    help="Progress display (default: rich on a terminal, plain otherwise).",
)
@option("--model-base-url", help="Base URL of the model's API (when the log's held a secret).")
@option("--trust", is_flag=True, default=False,
        help="Trust the logs: let them name their model's address (with your key).")
@option("--force", is_flag=True,
        help="Retry even if the task, dataset, templates or Python files changed since the run.")
@report_options
@config_options
def retry(paths: tuple[str, ...], **kwargs: Any) -> None:
    """Re-run only the samples of LOG that did not finish, into a new log holding them all.

    LOG is a log file, or a log folder: then every log in it that is not a success and
    that no later log already retried. The task, model, config, params, sample selection
    and dataset seed come from the log; options given here (e.g. --max-connections) apply
    on top. A log being retried by another process, or whose task, dataset, templates or
    Python files changed since the run, is refused (--force retries a changed one anyway).
    So is a log naming its model's address, where your key would go, unless you give the
    address again (--model-base-url) or trust the log (--trust).
    """
    from ..runner import RunOptions
    from ..runner._capture import log_level_problem
    from ..runner._retry import (
        RetryError,
        prepare_retry,
        retry_logs_async,
        retry_targets,
        unreadable_logs,
    )

    if (problem := log_level_problem(kwargs["log_level"])) is not None:
        click.echo(f"--log-level: {problem}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    targets = retry_targets(list(paths))
    unreadable = unreadable_logs(list(paths))
    for location, reason in unreadable:
        click.echo(f"{location}: cannot read the log: {reason}", err=True)
    unstarted, plan_errors = _unstarted_runs(paths)
    if plan_errors:
        for error in plan_errors:
            click.echo(error, err=True)
        sys.exit(EXIT_BAD_INPUT)
    if not targets and not unstarted:
        if unreadable:
            sys.exit(EXIT_BAD_INPUT)
        click.echo("nothing to retry: no unfinished logs", err=True)
        sys.exit(EXIT_OK)
    base = RunOptions(
        config=config_from_kwargs(kwargs), max_samples=kwargs["max_samples"],
        log_dir=kwargs["log_dir"], log_level=kwargs["log_level"],
        model_base_url=kwargs["model_base_url"], trust=kwargs["trust"],
    )
    jobs, errors = [], []
    for target in targets:
        try:
            jobs.append(prepare_retry(target, base, kwargs["force"]))
        except RetryError as ex:
            errors.append(str(ex))
    reports = [(flag, path) for flag, path in
               (("--junit", kwargs["junit_file"]), ("--summary", kwargs["summary_file"])) if path]
    from ..runner._preflight import check_reports

    errors.extend(str(error) for error in check_reports(reports))
    for error in errors:
        click.echo(error, err=True)
    if errors:
        for job in jobs:
            job.release()
        sys.exit(EXIT_BAD_INPUT)
    for job in [j for j in jobs if j.log.status == "success"]:
        click.echo(f"{job.log.location}: already a success, nothing to retry", err=True)
        job.release()
    for job in [j for j in jobs if j.changed]:
        click.echo(f"{job.log.location}: retried although changed: {'; '.join(job.changed)}",
                   err=True)
    jobs = [j for j in jobs if j.log.status != "success"]
    if not jobs and not unstarted:
        sys.exit(EXIT_OK)
    for job in jobs:
        click.echo(f"{job.log.location}: {len(job.done)} samples finished, running the rest",
                   err=True)
    for made in unstarted:
        click.echo(f"{made.task.name} ({made.options.model or made.task.model}): never "
                   "started in the earlier run, running it", err=True)
    from ._run import _display

    display = _display(kwargs["display"])
    ended: list[Any] = []
    try:
        logs = asyncio.run(retry_logs_async(jobs, kwargs["max_tasks"], display, ended,
                                            unstarted))
    except KeyboardInterrupt:
        report_cancelled(display, ended, len(jobs) + len(unstarted))
        finish(ended, kwargs["junit_file"], kwargs["summary_file"], gate_thresholds=False)
        gc.freeze()  # a quick exit: see `run`
        sys.exit(EXIT_FAILED)
    display.summary(logs)
    gate = all(job.options.shard is None for job in jobs)
    sys.exit(finish(logs, kwargs["junit_file"], kwargs["summary_file"], gate_thresholds=gate))


_HELD: list[Any] = []  # locks on plan files whose task runs this retry runs


@atexit.register
def _release_held() -> None:
    for lock in _HELD:
        lock.release()  # removes its lock file too


def _unstarted_runs(paths: tuple[str, ...]) -> tuple[list[Any], list[str]]:
    """The task runs that earlier runs into these log folders planned but never started
    (they left no log), made again from each run's plan file; and what failed to load."""
    import dataclasses

    from ..log._lock import LogLockError, lock_chain
    from ..runner._planfile import missing_runs, unstarted
    from ..suite import SpecErrors
    from ._run import planned_run
    from ._run import run as run_command

    runs, errors = [], []
    for folder in paths:
        if "://" in folder or not os.path.isdir(folder):
            continue
        for plan in unstarted(folder):
            here = os.getcwd()
            try:
                # Held until this process ends: a second retry must not run them too.
                _HELD.extend(lock_chain([str(plan.path)], "retrying"))
                os.chdir(plan.cwd)  # the run's relative paths are from where it started
                params = dict(run_command.make_context("run", list(plan.argv)).params)
                made, options = planned_run(params.pop("paths"), params)
                log_dir = os.path.abspath(options.log_dir) if "://" not in options.log_dir \
                    else options.log_dir
            except LogLockError as ex:
                errors.append(f"{ex} (it runs the task runs that never started)")
                continue
            except (SpecErrors, click.ClickException, OSError) as ex:
                detail = "\n".join(str(e) for e in getattr(ex, "errors", [ex]))
                errors.append(f"{plan.path}: the earlier run no longer loads:\n{detail}")
                continue
            finally:
                os.chdir(here)
            runs += [dataclasses.replace(r, options=dataclasses.replace(r.options,
                                                                         log_dir=log_dir))
                     for r in missing_runs(plan, made.runs)]
    return runs, errors
