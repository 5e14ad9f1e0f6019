"""The end of a run, retry or merge: CI reports (`--junit`, `--summary`) and the exit code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from ..log._model import EvalLog
from ._common import EXIT_FAILED, EXIT_OK, option


def report_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """`--junit FILE` and `--summary FILE`, shared by run, retry and logs merge."""
    func = option("--summary", "summary_file", metavar="FILE",
                  help="Append a Markdown table of the tasks (e.g. $GITHUB_STEP_SUMMARY).")(func)
    func = option("--junit", "junit_file", metavar="FILE",
                  help="Write JUnit XML: a test case per task and per threshold.")(func)
    return func


def report_cancelled(display: Any, ended: Sequence[EvalLog], planned: int) -> None:
    """After Ctrl-C: the results of every task that ended (finished or cancelled), their
    logs, and the command that finishes the work."""
    click.echo("cancelled: finished samples are in the logs", err=True)
    display.summary(list(ended))
    unfinished = [log for log in ended if log.status != "success" and log.location]
    if len(ended) < planned:  # task runs: a task on two models is two
        click.echo(f"{planned - len(ended)} of {planned} task runs did not start", err=True)
    if unfinished:
        folders = sorted({str(log.location).rsplit("/", 1)[0] for log in unfinished})
        # A retry treats a log's addresses as a stranger's; these logs are the user's own.
        from ..runner._trust import names_addresses

        trust = " --trust" if any(names_addresses(log) for log in unfinished) else ""
        click.echo(f"to finish: evalrunner retry{trust} {' '.join(folders)}", err=True)


def finish(
    logs: Sequence[EvalLog],
    junit_file: str | None,
    summary_file: str | None,
    gate_thresholds: bool = True,
    fail_on_unscored: bool = False,
) -> int:
    """Write the reports, print a one-line total, return the exit code (0 or 1).

    Exit 1 when a task did not succeed, (with `gate_thresholds`) missed a threshold, or
    (with `fail_on_unscored`) has a scorer that left samples unscored.
    """
    from ..log._junit import write_junit
    from ..log._markdown import append_summary
    from ..runner._gates import gate_passed

    if junit_file:
        write_junit(logs, junit_file)
    if summary_file:
        append_summary(logs, summary_file, gate_thresholds)
    unscored = [log for log in logs if log.results and any(
        s.unscored_samples for s in log.results.scores)]
    failed = [log for log in logs if not gate_passed(log, gate_thresholds)
              or (fail_on_unscored and any(log is u for u in unscored))]
    if len(logs) > 1 or failed or unscored:
        statuses = ", ".join(
            f"{sum(1 for log in logs if log.status == s)} {s}"
            for s in ("success", "error", "cancelled", "started")
            if any(log.status == s for log in logs)
        )
        missed = sum(1 for log in logs if log.results and log.results.missed_thresholds)
        gates = f", {missed} missed a threshold" if missed and gate_thresholds else ""
        gates += f", {len(unscored)} left samples unscored" if unscored else ""
        click.echo(f"{len(logs)} task{'s' if len(logs) != 1 else ''}: {statuses}{gates}", err=True)
    return EXIT_FAILED if failed else EXIT_OK
