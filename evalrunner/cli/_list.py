"""`evalrunner list tasks|logs`."""

from __future__ import annotations

import json
import sys

import click

from ..spec import SpecErrors
from ._common import EXIT_BAD_INPUT, option, parse_pairs
from ._load import load_tasks


@click.group("list")
def list_group() -> None:
    """List tasks of suites, or logs of a log folder."""


@list_group.command("tasks")
@click.argument("paths", nargs=-1)
@option("-T", "--task-param", "task_params", multiple=True, help="Task param override name=value.")
@option("-F", "--filter", "filters", multiple=True, help="Keep tasks with a tag, or key=value.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_tasks(
    paths: tuple[str, ...], task_params: tuple[str, ...], filters: tuple[str, ...], as_json: bool
) -> None:
    """The tasks of suite files or folders (default: the current folder)."""
    try:
        tasks, _ = load_tasks(paths or (".",), parse_pairs(task_params, "-T"), filters, deep=False)
    except SpecErrors as ex:
        for error in ex.errors:
            click.echo(str(error), err=True)
        sys.exit(EXIT_BAD_INPUT)
    if as_json:
        rows = [
            {"file": str(t.suite_file), "suite": t.suite_name, "task": t.name, "tags": t.tags,
             "attrs": t.attrs, "model": t.model, "description": t.description}
            for t in tasks
        ]
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    for t in tasks:
        tags = f"  [{', '.join(t.tags)}]" if t.tags else ""
        click.echo(f"{t.suite_file}@{t.name}{tags}")


@list_group.command("logs")
@option("--log-dir", default="logs", show_default=True, help="Folder or fsspec URL.")
@click.option("--status", type=click.Choice(["started", "success", "error", "cancelled"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_logs(log_dir: str, status: str | None, as_json: bool) -> None:
    """The logs in a log folder, newest first."""
    from ..log import list_eval_logs

    logs = list_eval_logs(log_dir, status=status)  # type: ignore[arg-type]
    if as_json:
        rows = [
            {"location": log.location, "status": log.status, "task": log.eval.task,
             "model": log.eval.model, "created": log.eval.created}
            for log in logs
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for log in logs:
        click.echo(f"{log.eval.created}  {log.status:9}  {log.eval.task}  {log.eval.model}  {log.location}")
