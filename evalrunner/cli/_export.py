"""`evalrunner export PATHS --format csv|jsonl|parquet|inspect`: results as data."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._common import EXIT_BAD_INPUT


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet", "inspect"]),
              default="csv", show_default=True, help="What to write.")
@click.option("--per", type=click.Choice(["sample", "task"]), default="sample",
              show_default=True, help="One row per sample (and epoch), or per task run.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="File to write (default: standard output); a folder for --format inspect.")
@click.option("--latest", is_flag=True,
              help="From folders, only the latest run of each task and model.")
@click.option("--all", "every", is_flag=True,
              help="Every log file in the folders, also those a later retry replaced.")
def export(paths: tuple[str, ...], fmt: str, per: str, output: str | None, latest: bool,
           every: bool) -> None:
    """Write the samples (or task results) of logs as CSV, JSON lines or Parquet, or write
    each log as an Inspect log (`.eval`) that Inspect's viewer opens.

    PATHS are log files (evalrunner's, or Inspect's .json and .eval) or folders of them;
    from a folder every run (not the logs a retry replaced), or with --latest the latest
    run of each task and model. A sample row holds task, model, epoch, id, input, target,
    answer, each score, tokens, time, error, the run's params (`params/key`) and the
    metadata flattened (`metadata/key`).
    """
    from ..analysis._export import export_inspect, rows_of, write_rows
    from ..analysis._rows import select_logs

    logs, errors = select_logs(list(paths), latest, every)
    for error in errors:
        click.echo(error, err=True)
    if errors:
        sys.exit(EXIT_BAD_INPUT)
    if not logs:
        click.echo("no logs found", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if fmt in ("parquet", "inspect") and output is None:
        click.echo(f"--format {fmt} needs --output", err=True)
        sys.exit(EXIT_BAD_INPUT)
    try:
        if fmt == "inspect":
            for path in export_inspect(logs, Path(str(output))):
                click.echo(str(path), err=True)
            return
        rows = rows_of(logs, per)
        if fmt == "parquet":
            count = write_rows(rows, fmt, Path(str(output)))
        elif output is None:
            count = write_rows(rows, fmt, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as f:
                count = write_rows(rows, fmt, f)
    except ImportError as ex:
        click.echo(str(ex), err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"{count} rows", err=True)
