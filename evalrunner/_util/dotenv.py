"""`.env` files: read before options are, so EVALRUNNER_* set in them count as the
environment's (which wins when both set a name)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def load_dotenv_files(paths: Sequence[str | Path]) -> None:
    """Read `.env` in the working folder and beside each suite (`suite.yml@task` too)."""
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env", override=False)
    for raw in paths:
        path = Path(raw)
        if "@" in str(raw):  # imported only then: `--help` stays fast
            from ..spec._select import split_task_path

            path = Path(split_task_path(str(raw))[0])
        folder = path if path.is_dir() else path.parent
        load_dotenv(folder / ".env", override=False)
