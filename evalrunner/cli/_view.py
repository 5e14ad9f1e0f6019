"""`evalrunner view`: serve the log viewer, or export it as static files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._common import EXIT_BAD_INPUT, option


@click.command()
@option("--log-dir", default="logs", show_default=True, help="Folder of logs to browse.")
@option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@option("--port", type=click.IntRange(0, 65535), default=7575, show_default=True,
        help="Port (0: any free port).")
@click.option("--export", "export_dir", help="Write the viewer and logs as static files to DIR.")
def view(log_dir: str, host: str, port: int, export_dir: str | None) -> None:
    """Browse logs in a web page (refreshes while an eval writes its log)."""
    if "://" in log_dir and not log_dir.startswith("file://"):
        click.echo(f"{log_dir}: view reads a local folder; copy remote logs first", err=True)
        sys.exit(EXIT_BAD_INPUT)
    folder = Path(log_dir.removeprefix("file://"))
    if export_dir is not None and not folder.is_dir():
        click.echo(f"{folder}: no such folder of logs", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if folder.exists() and not folder.is_dir():
        click.echo(f"{folder}: not a folder", err=True)
        sys.exit(EXIT_BAD_INPUT)
    if export_dir is not None:
        from ..viewer import export_viewer

        ids = export_viewer(folder, export_dir)
        click.echo(f"exported {len(ids)} logs: open {Path(export_dir) / 'index.html'}")
        return
    from ..viewer import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: serving logs to the network on {host}", err=True)

    def ready(url: str) -> None:
        # Started before the first run, it shows logs as soon as they are written.
        note = "" if folder.is_dir() else ", not created yet"
        click.echo(f"evalrunner view: {url} (logs in {folder}{note}; Ctrl-C to stop)")

    try:
        serve(folder, host, port, on_ready=ready)
    except KeyboardInterrupt:
        pass
    except OSError as ex:
        click.echo(f"cannot listen on {host}:{port}: {ex.strerror or ex}", err=True)
        sys.exit(EXIT_BAD_INPUT)
