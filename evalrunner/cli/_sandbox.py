"""`evalrunner sandbox cleanup`: remove sandboxes that a killed run left behind."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click

from ._common import EXIT_FAILED


@click.group(name="sandbox")
def sandbox_group() -> None:
    """Manage sandboxes (docker containers, bwrap and local folders)."""


@sandbox_group.command(name="cleanup")
@click.option("--type", "types", multiple=True,
              help="Only this backend (docker, bwrap, local or a plugin's); default: all.")
@click.option("--run-id", default=None, help="Only the sandboxes of this run (see the log).")
@click.option("--all", "everything", is_flag=True,
              help="Also runs still going and runs of other users (or with no record).")
def cleanup(types: tuple[str, ...], run_id: str | None, everything: bool) -> None:
    """Remove the sandboxes of runs that are over and were started by this user.

    A run removes its own sandboxes as it goes, also after Ctrl-C; this is for runs that
    were killed (SIGKILL, a lost machine). Each run records its process in this user's
    state folder: the sandboxes of a run whose process still exists, of another user, or
    of no recorded run are listed as kept, unless --all. Sample folders are looked for in
    every temporary folder a recorded run used, whatever TMPDIR is now.
    """
    from .. import registry
    from ..sandbox import SandboxError, backend_class

    names = list(types) or registry.registered_names("sandbox")
    failed = False
    for name in names:
        try:
            found = asyncio.run(backend_class(name).leftovers(run_id))
        except (SandboxError, registry.UnknownNameError, TypeError) as ex:
            if types:  # asked for by name: its failure is the command's
                click.echo(f"{name}: {ex}", err=True)
                failed = True
            else:
                click.echo(f"{name}: skipped ({ex})", err=True)
            continue
        kept = 0
        for item in found:
            reason = None if everything else _keep_reason(item.run_id, item.uid)
            if reason:
                click.echo(f"{name}: kept {item.what} ({reason})")
                kept += 1
                continue
            asyncio.run(_remove(item.remove))
            click.echo(f"{name}: removed {item.what}")
        if not found:
            click.echo(f"{name}: nothing to remove")
    _forget_finished(run_id, everything)
    if failed:
        sys.exit(EXIT_FAILED)


async def _remove(remove: Callable[[], Awaitable[Any]]) -> None:
    await remove()


def _keep_reason(run_id: str, uid: int | None) -> str | None:
    """Why a run's sandbox stays: the run goes on, or is not this user's; None: remove it."""
    from ..sandbox._runs import run_state

    if uid is not None and uid != os.getuid():
        return f"run {run_id} is another user's (uid {uid}); --all removes it"
    state, record = run_state(run_id)
    if state == "live" and record is not None:
        return f"run {run_id} is still going (pid {record.pid} on {record.host}); " \
               "--all removes it"
    if state == "unknown":  # not known to be over: perhaps run with another state folder
        return f"no record of run {run_id} in this user's state folder; --all removes it"
    return None


def _forget_finished(run_id: str | None, everything: bool) -> None:
    """Drop the records of runs that are over (their sandboxes are gone now)."""
    from ..sandbox._runs import forget_run, run_state, runs_folder

    for path in runs_folder().glob("*.json"):
        if run_id is not None and path.stem != run_id:
            continue
        state, _ = run_state(path.stem)
        if state == "over" or everything:
            forget_run(path.stem)
