"""`evalrunner validate`: every check a run makes before its first model call; no model."""

from __future__ import annotations

import contextlib
from typing import Any

import click

from ..suite import SpecErrors
from ._common import EXIT_BAD_INPUT, SuiteCommand, option, parse_pairs
from ._plan import plan_options, plan_override


@click.command(cls=SuiteCommand)
@click.argument("paths", nargs=-1, required=True)
@option("-T", "--task-param", "task_params", multiple=True, help="Task param override name=value.")
@option("-F", "--filter", "filters", multiple=True, help="Keep tasks with a tag, or key=value.")
@option("--no-code", is_flag=True, default=False,
        help="Import none of the suites' Python (file.py@name): for checkouts not yet trusted.")
@plan_options
def validate(
    paths: tuple[str, ...], task_params: tuple[str, ...], filters: tuple[str, ...],
    no_code: bool, **kwargs: Any,
) -> None:
    """Check suites completely without calling a model (exit 2 on any error).

    Builds every model, role, component, template and threshold as a run would (no
    network) and reads local datasets to the end. With --no-code, runs none of the suites'
    own Python: what needs it is left unchecked, and named.
    """
    from ..registry import without_code
    from ..runner import RunOptions, prepare_run

    guard: contextlib.AbstractContextManager[list[str]] = (
        without_code() if no_code else contextlib.nullcontext([]))
    with guard as skipped:
        try:
            plan = prepare_run(
                paths, parse_pairs(task_params, "-T"), filters, RunOptions(), writes=False,
                override=plan_override(kwargs),
            )
        except SpecErrors as ex:
            _not_imported(skipped)
            for error in ex.errors:
                click.echo(str(error), err=True)
            count = sum(1 for e in ex.errors if e.severity == "error")
            click.echo(f"{count} error{'s' if count != 1 else ''}", err=True)
            raise SystemExit(EXIT_BAD_INPUT) from None
    _not_imported(skipped)
    for warning in plan.warnings:
        click.echo(str(warning), err=True)
    tasks = plan.tasks
    files = len({t.suite_file for t in tasks})
    click.echo(f"ok: {len(tasks)} task{'s' if len(tasks) != 1 else ''} in {files} suite file(s)")


def _not_imported(names: list[str]) -> None:
    if names:
        click.echo(f"not imported (--no-code), so not checked: {', '.join(names)}", err=True)
