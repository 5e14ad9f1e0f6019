"""`evalrunner list tasks|logs`."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..suite import SpecErrors
from ._common import EXIT_BAD_INPUT, SuiteCommand, option, parse_pairs


@click.group("list")
def list_group() -> None:
    """List tasks of suites, or logs of a log folder."""


@list_group.command("tasks", cls=SuiteCommand)
@click.argument("paths", nargs=-1)
@option("-T", "--task-param", "task_params", multiple=True, help="Task param override name=value.")
@option("-F", "--filter", "filters", multiple=True, help="Keep tasks with a tag, or key=value.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_tasks(
    paths: tuple[str, ...], task_params: tuple[str, ...], filters: tuple[str, ...], as_json: bool
) -> None:
    """The tasks of suite files or folders (default: the current folder).

    Each is shown as `file.yml@task`, which `run` and `validate` accept.
    """
    from ..suite._select import load_tasks

    try:
        tasks, _ = load_tasks(paths or (".",), parse_pairs(task_params, "-T"), filters)
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
        click.echo(json.dumps([_log_row(log) for log in logs], indent=2))
        return
    for log in logs:
        spec = log.eval
        click.echo(f"{spec.created}  {log.status:9}  {spec.task}  {spec.model}  {log.location}")


def _log_row(log: Any) -> dict[str, Any]:
    """A log header as JSON for scripts: where, what, how it ended and its metrics."""
    results = log.results
    return {
        "location": log.location, "status": log.status, "task": log.eval.task,
        "suite": log.eval.suite, "suite_file": log.eval.suite_file, "model": log.eval.model,
        "created": log.eval.created, "run_id": log.eval.run_id, "shard": log.eval.shard,
        "retry_of": log.eval.retry_of, "merged_from": log.eval.merged_from,
        "samples": results.total_samples if results else None,
        "errors": results.error_samples if results else None,
        "metrics": {
            f"{s.name}/{k}": m.value for s in (results.scores if results else [])
            for k, m in s.metrics.items()
        },
        "missed_thresholds": results.missed_thresholds if results else [],
        "error": log.error.message if log.error else None,
    }
