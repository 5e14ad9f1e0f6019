"""`evalrunner cache list|clear|prune`: the response cache on disk."""

from __future__ import annotations

import json
import sys

import click

from ._common import EXIT_BAD_INPUT


@click.group(name="cache")
def cache_group() -> None:
    """Manage cached model responses ($EVALRUNNER_CACHE_DIR, else the user cache folder)."""
    from ..model._cache_fs import cache_url

    url = cache_url()
    if url is not None:
        click.echo(f"the cache is remote ({url}): list, clear and prune work on a local "
                   "cache folder; manage remote storage with its own tools", err=True)
        sys.exit(EXIT_BAD_INPUT)


@cache_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON.")
def list_command(as_json: bool) -> None:
    """Entries, expired entries and size per model."""
    from ..model._cache import cache_dir, cache_list

    summaries = cache_list()
    if as_json:
        rows = [vars(s) for s in summaries]
        click.echo(json.dumps({"cache_dir": str(cache_dir()), "models": rows}, indent=2))
        return
    click.echo(f"cache: {cache_dir()}")
    if not summaries:
        click.echo("no cached responses")
        return
    width = max(len(s.model) for s in summaries)
    for s in summaries:
        expired = f", {s.expired} expired" if s.expired else ""
        click.echo(f"  {s.model:<{width}}  {s.entries} entries{expired}  {_size(s.size)}")


@cache_group.command(name="clear")
@click.option("--model", "models", multiple=True, help="Only this model (provider/name).")
@click.option("--all", "everything", is_flag=True, default=False, help="Every model.")
def clear_command(models: tuple[str, ...], everything: bool) -> None:
    """Delete cached responses: --all, or those of each --model."""
    from ..model._cache import cache_clear

    if not models and not everything:
        click.echo("say what to clear: --all or --model provider/name", err=True)
        sys.exit(EXIT_BAD_INPUT)
    removed = cache_clear() if everything else sum(cache_clear(m) for m in models)
    click.echo(f"removed {removed} cached responses")


@cache_group.command(name="prune")
@click.option("--model", "models", multiple=True, help="Only this model (provider/name).")
def prune_command(models: tuple[str, ...]) -> None:
    """Delete expired (and unreadable) cached responses."""
    from ..model._cache import cache_prune

    removed = sum(cache_prune(m) for m in models) if models else cache_prune()
    click.echo(f"removed {removed} expired cached responses")


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
