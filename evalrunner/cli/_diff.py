"""`evalrunner diff LOG_A LOG_B`: what changed between two runs of a task."""

from __future__ import annotations

import json
import sys

import click

from ._common import EXIT_BAD_INPUT


@click.command()
@click.argument("log_a")
@click.argument("log_b")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (every changed sample).")
@click.option("--max-samples", type=click.IntRange(min=0), default=50, show_default=True,
              help="Changed samples listed in the text output.")
def diff(log_a: str, log_b: str, as_json: bool, max_samples: int) -> None:
    """Metric deltas (B minus A) with 95% intervals, and the samples whose score changed.

    Intervals are for metrics that average the per-sample scores (accuracy, mean); they are
    paired when both logs hold the same samples. Pass/fail scores get the exact McNemar test
    and Newcombe's score interval, other scores a bootstrap: both hold for small suites.
    The method is named under the table.
    """
    from ..log import LogFileError
    from ..log._diff import diff_json, diff_logs, format_diff

    try:
        result = diff_logs(log_a, log_b)
    except LogFileError as ex:
        click.echo(str(ex), err=True)
        sys.exit(EXIT_BAD_INPUT)
    if as_json:
        click.echo(json.dumps(diff_json(result), indent=2, default=str))
        return
    click.echo("\n".join(format_diff(result, max_samples)))
