"""`evalrunner sandbox cleanup`: remove sandboxes that a killed run left behind."""

from __future__ import annotations

import asyncio
import sys

import click

from ._common import EXIT_FAILED


@click.group(name="sandbox")
def sandbox_group() -> None:
    """Manage sandboxes (docker containers, bwrap and local folders)."""


@sandbox_group.command(name="cleanup")
@click.option("--type", "types", multiple=True,
              help="Only this backend (docker, bwrap, local or a plugin's); default: all.")
@click.option("--run-id", default=None, help="Only the sandboxes of this run (see the log).")
def cleanup(types: tuple[str, ...], run_id: str | None) -> None:
    """Remove every sandbox evalrunner made (of one run with --run-id), running or not.

    A run removes its own sandboxes as it goes, also after Ctrl-C; this is for runs that
    were killed (SIGKILL, a lost machine). Without --run-id it also removes the sandboxes
    of runs still going on, so stop those first.
    """
    from .. import registry
    from ..sandbox import SandboxError, backend_class

    names = list(types) or registry.registered_names("sandbox")
    failed = False
    for name in names:
        try:
            gone = asyncio.run(backend_class(name).cleanup(run_id))
        except (SandboxError, registry.UnknownNameError, TypeError) as ex:
            if types:  # asked for by name: its failure is the command's
                click.echo(f"{name}: {ex}", err=True)
                failed = True
            else:
                click.echo(f"{name}: skipped ({ex})", err=True)
            continue
        for item in gone:
            click.echo(f"{name}: removed {item}")
        if not gone:
            click.echo(f"{name}: nothing to remove")
    if failed:
        sys.exit(EXIT_FAILED)
