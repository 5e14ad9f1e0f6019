"""`evalrunner logs merge|convert`: join shard logs into one log per task; convert logs
between evalrunner's JSON and Inspect's `.eval`."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import click

from ..log._model import EvalLog
from ._common import EXIT_BAD_INPUT
from ._report import finish, report_options


@click.group("logs")
def logs_group() -> None:
    """Work on log files."""


@logs_group.command("merge")
@click.argument("logs", nargs=-1, required=True)
@click.option("-o", "--output", metavar="FILE",
              help="The merged log (one task only; default: beside the first shard).")
@click.option("--partial", is_flag=True, help="Merge even if some shards are missing.")
@report_options
def merge(
    logs: tuple[str, ...], output: str | None, partial: bool,
    junit_file: str | None, summary_file: str | None,
) -> None:
    """Merge the shard logs of `run --shard i/n` into one log per task, metrics computed
    again over all samples and thresholds checked again (exit 1 if one is missed).

    LOGS are log files or folders; logs are grouped by task and model.
    """
    from ..log._io import LogFileError, list_eval_logs, read_eval_log
    from ..runner._merge import MergeError, merge_logs
    from ..runner._retry import retried_names

    headers: list[EvalLog] = []
    for path in logs:
        if "://" in path or Path(path).is_dir():
            found = list_eval_logs(path)
            # A shard that `retry` finished is replaced by the log of the retry.
            retried = retried_names(found)
            headers.extend(h for h in found if h.eval.shard and _name(h) not in retried)
        else:
            try:
                headers.append(read_eval_log(path, header_only=True))
            except LogFileError as ex:
                click.echo(f"cannot merge: {ex}", err=True)
                sys.exit(EXIT_BAD_INPUT)
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for h in headers:
        groups[(h.eval.task, h.eval.model, h.eval.stamp.task_hash or "")].append(str(h.location))
    if not groups:
        click.echo("no logs to merge", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if output and len(groups) > 1:
        click.echo("--output needs the shards of one task; these hold several", err=True)
        sys.exit(EXIT_BAD_INPUT)
    merged = []
    for locations in groups.values():
        try:
            merged.append(merge_logs(locations, output, partial))
        except (MergeError, LogFileError) as ex:
            click.echo(f"cannot merge: {ex}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    for log in merged:
        results = log.results
        metrics = ", ".join(
            f"{s.name}/{k}=" + (f"{m.value:.4g}" if isinstance(m.value, float) else str(m.value))
            for s in (results.scores if results else []) for k, m in s.metrics.items()
        )
        click.echo(f"{log.eval.task}: {log.status}, {results.total_samples if results else 0} "
                   f"samples from {len(log.eval.merged_from or [])} logs; {metrics}")
        for missed in results.missed_thresholds if results else []:
            click.echo(f"  threshold missed: {missed}")
        click.echo(f"  log: {log.location}")
    sys.exit(finish(merged, junit_file, summary_file))


@logs_group.command("convert")
@click.argument("logs", nargs=-1, required=True)
@click.option("--to", "fmt", type=click.Choice(["eval", "json"]), required=True,
              help="eval: Inspect's .eval (Inspect View opens it); json: evalrunner's JSON.")
@click.option("-o", "--output-dir", metavar="DIR",
              help="Where to write (default: beside each log, same name, new suffix).")
def convert(logs: tuple[str, ...], fmt: str, output_dir: str | None) -> None:
    """Convert logs (files or folders; evalrunner's or Inspect's) to the other format."""
    from ..analysis._read import log_files
    from ..log._convert import convert_log
    from ..log._io import LogFileError

    files = log_files(list(logs))
    targets = []
    for file in files:
        path = Path(file)
        target = Path(output_dir or path.parent) / f"{path.stem}.{fmt}"
        if target.resolve() == path.resolve():
            click.echo(f"{file}: already a .{fmt} log (give --output-dir)", err=True)
            sys.exit(EXIT_BAD_INPUT)
        targets.append((file, target))
    if not targets:
        click.echo("no logs to convert", err=True)
        sys.exit(EXIT_BAD_INPUT)
    for file, target in targets:
        try:
            count = convert_log(file, str(target))
        except (LogFileError, OSError, ValueError) as ex:
            click.echo(f"cannot convert {file}: {ex}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        click.echo(f"{target} ({count} samples)")


def _name(log: EvalLog) -> str:
    return str(log.location).rsplit("/", 1)[-1]
