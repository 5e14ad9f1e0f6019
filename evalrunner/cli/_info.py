"""`evalrunner info`: schemas and log files."""

from __future__ import annotations

import json
import sys

import click

from ._common import EXIT_BAD_INPUT


@click.group()
def info() -> None:
    """Print the suite or log JSON Schema, or a log file."""


@info.command("suite-schema")
def suite_schema() -> None:
    """The JSON Schema of suite files."""
    from ..suite import suite_schema as schema

    click.echo(json.dumps(schema(), indent=2))


@info.command("log-schema")
def log_schema() -> None:
    """The JSON Schema of log files."""
    from ..log import EvalLog

    click.echo(json.dumps(EvalLog.model_json_schema(), indent=2))


@info.command("log-file")
@click.argument("log")
@click.option("--header-only", is_flag=True, help="Leave out the samples.")
def log_file(log: str, header_only: bool) -> None:
    """A log as one JSON document (local path or fsspec URL)."""
    from ..log import LogFileError, read_eval_log

    try:
        click.echo(read_eval_log(log, header_only=header_only).model_dump_json(indent=2))
    except LogFileError as ex:
        click.echo(str(ex), err=True)
        sys.exit(EXIT_BAD_INPUT)
