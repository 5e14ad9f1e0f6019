"""`evalrunner score LOG`: score a finished log again, without calling the evaluated model;
`evalrunner score edit LOG`: change one score by hand, with its history."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

import click
import yaml

from ._common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, load_dotenv_files, option


class _ScoreGroup(click.Group):
    """`score LOG ...` runs the scorers; `score edit LOG ...` edits one score."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["log", *args]  # the default: `score LOG` as it always was
        return super().parse_args(ctx, args)


@click.group(cls=_ScoreGroup)
def score() -> None:
    """Score LOG again (`evalrunner score LOG [--scorer ...]`), or edit one of its scores
    by hand (`evalrunner score edit LOG ...`)."""


@score.command("log")
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
        help="Write LOG-scored.json (or .eval) beside the log instead of overwriting it "
             "(always done for a log another tool wrote, which is never overwritten).")
@option("--trust", is_flag=True, default=False,
        help="Trust the log: let it name its model's address (with your key).")
def score_log(log_file: str, scorers: tuple[str, ...], action: str, no_overwrite: bool,
              trust: bool) -> None:
    """Score the samples of LOG again (e.g. a `run --no-score` log). A log naming its
    model's or a grader's address, where your key would go, is refused unless --trust."""
    from ..log import read_eval_log
    from ..runner._entry import run_sync
    from ..runner._rescore import score_file, scored_location
    from ..runner._trust import UntrustedLog

    try:
        log = read_eval_log(log_file, header_only=True)
    except (OSError, ValueError) as ex:
        click.echo(f"{log_file}: cannot read the log: {ex}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    suite_file = log.eval.suite_file
    base_dir = Path(suite_file).parent if suite_file else Path.cwd()
    load_dotenv_files([base_dir])
    # A log Inspect wrote keeps what evalrunner does not read (its other events, ...):
    # it is never replaced by evalrunner's rewrite of it.
    foreign = bool((log.eval.model_extra or {}).get("inspect"))
    target = scored_location(log_file, overwrite=not foreign and not no_overwrite)
    try:
        created = [make_scorer(text, base_dir) for text in scorers] or None
        scored = run_sync(lambda: score_file(log_file, target, created, _action(action),
                                             trust))
    except UntrustedLog as ex:
        click.echo(str(ex), err=True)
        sys.exit(EXIT_BAD_INPUT)
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


@score.command("edit")
@click.argument("log_file", metavar="LOG")
@click.option("--sample-id", required=True, help="The sample whose score changes.")
@click.option("--epoch", type=int, help="Its epoch (needed when the log has several).")
@click.option("--scorer", "score_name", required=True, help="The score's name (as logged).")
@click.option("--value", help="The new value: C, I, P, N, a number, true/false.")
@click.option("--answer", help="The new answer.")
@click.option("--explanation", help="The new explanation.")
@click.option("--reason", required=True, help="Why it changes (kept in its history).")
@click.option("--author", default=lambda: os.environ.get("USER") or "unknown",
              show_default="$USER", help="Who changes it.")
def score_edit(log_file: str, sample_id: str, epoch: int | None, score_name: str,
               value: str | None, answer: str | None, explanation: str | None,
               reason: str, author: str) -> None:
    """Change one score of LOG by hand: its earlier versions stay in its history with who
    changed it, when and why, and the log's metrics and thresholds are computed again.
    The log is rewritten whole and atomically (a log Inspect wrote: LOG-scored beside it).
    """
    from ..log import LogFileError, read_eval_log, write_eval_log
    from ..log._edit import UNCHANGED, ProvenanceData, ScoreEdit, edit_score
    from ..runner._rescore import scored_location

    try:
        log = read_eval_log(log_file)
    except LogFileError as ex:
        click.echo(str(ex), err=True)
        sys.exit(EXIT_BAD_INPUT)
    if value is None and answer is None and explanation is None:
        click.echo("give --value, --answer or --explanation", err=True)
        sys.exit(EXIT_BAD_INPUT)
    edit = ScoreEdit(
        value=UNCHANGED if value is None else _scalar(value),
        answer=UNCHANGED if answer is None else answer,
        explanation=UNCHANGED if explanation is None else explanation,
        provenance=ProvenanceData(author=author, reason=reason),
    )
    sample_key: int | str = int(sample_id) if sample_id.isdigit() else sample_id
    try:
        edit_score(log, sample_key, score_name, edit, epoch=epoch)
    except ValueError as ex:
        click.echo(f"cannot edit {log_file}: {ex}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    foreign = bool((log.eval.model_extra or {}).get("inspect"))
    target = scored_location(log_file, overwrite=not foreign)
    write_eval_log(log, target)
    errors = log.results.error_samples if log.results else 0
    _summary(log, target, errors)
