"""`evalrunner compare LOGS...|DIR`: models side by side, with paired differences."""

from __future__ import annotations

import json
import sys

import click

from ._common import EXIT_BAD_INPUT


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (every disagreement).")
@click.option("--samples", "show_samples", is_flag=True,
              help="List the samples the models scored differently.")
@click.option("--max-samples", type=click.IntRange(min=0), default=50, show_default=True,
              help="Disagreements listed per task in the text output.")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False),
              help="Also draw metrics per model with error bars to a .png or .svg file.")
@click.option("--latest", is_flag=True,
              help="From folders, only the latest run of each task and model.")
def compare(
    paths: tuple[str, ...], as_json: bool, show_samples: bool, max_samples: int,
    plot_file: str | None, latest: bool,
) -> None:
    """Compare runs of the same tasks: a table of tasks x models with each metric and its
    stderr, and for each pair of models the difference B - A with a 95% interval.

    PATHS are log files (evalrunner's, or Inspect's .json and .eval) or folders of them;
    from a folder every run (prompt variants are told apart by their params), or with
    --latest the latest run of each task and model. Pass/fail scores get the exact
    McNemar test with Newcombe's paired score interval; other scores a paired bootstrap.
    The method is named under each table.
    """
    from ..analysis import compare_logs, comparison_json, format_comparison

    tasks, errors = compare_logs(list(paths), latest)
    for error in errors:
        click.echo(error, err=True)
    if errors:
        sys.exit(EXIT_BAD_INPUT)
    if not tasks:
        click.echo("no logs found", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if plot_file is not None:
        from ..analysis._plot import plot_comparison

        try:
            plot_comparison(tasks, plot_file)
        except (ImportError, ValueError) as ex:
            click.echo(f"--plot: {ex}", err=True)
            sys.exit(EXIT_BAD_INPUT)
    if as_json:
        click.echo(json.dumps(comparison_json(tasks), indent=2, default=str))
        return
    click.echo("\n".join(format_comparison(tasks, show_samples, max_samples)))
