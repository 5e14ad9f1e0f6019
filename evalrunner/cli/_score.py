"""`evalrunner score LOG`: score a finished log again, without calling the evaluated model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

import click
import yaml

from ._common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, load_dotenv_files, option


@click.command()
@click.argument("log_file", metavar="LOG")
@option(
    "--scorer", "scorers", multiple=True,
    help="Score with this instead of the log's scorers: NAME, NAME:k=v,k=v or "
         "'NAME:{k: v}' (repeatable).",
)
@option("--action", type=click.Choice(["overwrite", "append"]), default="overwrite",
        show_default=True,
        help="Replace the log's scores, or add the --scorer scores beside them.")
@option("--no-overwrite", is_flag=True, default=False,
        help="Write LOG-scored.json beside the log instead of overwriting it.")
def score(log_file: str, scorers: tuple[str, ...], action: str, no_overwrite: bool) -> None:
    """Score the samples of LOG again (e.g. a `run --no-score` log)."""
    from ..log import read_eval_log
    from ..runner._entry import run_sync
    from ..runner._rescore import score_file, scored_location

    try:
        log = read_eval_log(log_file, header_only=True)
    except (OSError, ValueError) as ex:
        click.echo(f"{log_file}: cannot read the log: {ex}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    suite_file = log.eval.suite_file
    base_dir = Path(suite_file).parent if suite_file else Path.cwd()
    load_dotenv_files([base_dir])
    target = scored_location(log_file, overwrite=not no_overwrite)
    try:
        created = [make_scorer(text, base_dir) for text in scorers] or None
        scored = run_sync(lambda: score_file(log_file, target, created, _action(action)))
    except (LookupError, TypeError, ValueError) as ex:
        click.echo(f"cannot score {log_file}: {ex}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    errors = scored.results.error_samples if scored.results else 0
    _summary(scored, target, errors)
    missed = scored.results.missed_thresholds if scored.results else []
    for miss in missed:
        click.echo(f"threshold missed: {miss}", err=True)
    sys.exit(EXIT_OK if errors == 0 and not missed else EXIT_FAILED)


def _action(value: str) -> Literal["overwrite", "append"]:
    return "append" if value == "append" else "overwrite"


def make_scorer(text: str, base_dir: Path) -> Any:
    """A scorer from `NAME`, `NAME:k=v,k=v`, `NAME:{k: v}` or `NAME:value` (first argument)."""
    from ..registry import UnknownNameError, resolve

    name, args, kwargs = _split(text)
    try:
        info = resolve("scorer", name, base_dir)
    except UnknownNameError:
        head, sep, value = text.rpartition(":")
        if not sep or args or kwargs:
            raise
        info, args = resolve("scorer", head, base_dir), [_scalar(value)]
    from ..template import template_search

    with template_search(base_dir):
        return info.obj(*args, **kwargs)


def _split(text: str) -> tuple[str, list[Any], dict[str, Any]]:
    if "{" in text:
        name, _, rest = text.partition("{")
        mapping = yaml.safe_load("{" + rest)
        if not isinstance(mapping, dict):
            raise ValueError(f"--scorer {text}: arguments must be a mapping")
        return name.rstrip(": "), [], mapping
    head, sep, rest = text.rpartition(":")
    if sep and "=" in rest:
        kwargs: dict[str, Any] = {}
        for pair in rest.split(","):
            key, eq, value = pair.partition("=")
            if not eq or not key.strip():
                raise ValueError(f"--scorer {text}: '{pair}' is not of the form name=value")
            kwargs[key.strip()] = _scalar(value)
        return head, [], kwargs
    return text, [], {}


def _scalar(value: str) -> Any:
    try:
        return yaml.safe_load(value) if value else ""
    except yaml.YAMLError:
        return value


def _summary(log: Any, location: str, errors: int) -> None:
    results = log.results
    for entry in results.scores if results else []:
        figures = "  ".join(
            f"{name}={metric.value:.3f}" if isinstance(metric.value, float | int)
            else f"{name}={metric.value}"
            for name, metric in entry.metrics.items()
        )
        click.echo(f"{entry.name}: {figures}")
    if errors:
        click.echo(f"{errors} samples failed to score (see the log)", err=True)
    click.echo(f"scored log: {location}")
