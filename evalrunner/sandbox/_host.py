"""Shared by the backends whose sandbox is a folder on this machine (local, bwrap)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from ._environment import SandboxError

__all__ = [
    "ROOT_PREFIX", "leftovers", "make_workdir", "read_host_file", "remove_tree", "write_host_file",
]

ROOT_PREFIX = "evalrunner-sandbox-"  # folders named so that `sandbox cleanup` finds them


def make_workdir(kind: str, run_id: str, label: str) -> Path:
    """A fresh folder for one sample, marked with its run id for `sandbox cleanup`."""
    return Path(tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{kind}-{run_id}-{label}-"))


async def remove_tree(path: Path) -> None:
    await asyncio.to_thread(shutil.rmtree, path, True)


def leftovers(kind: str, run_id: str | None) -> list[Path]:
    """Sample folders of `kind` (of one run, or of any) under the temporary folder."""
    prefix = f"{ROOT_PREFIX}{kind}-{run_id or ''}"
    base = Path(tempfile.gettempdir())
    return sorted(p for p in base.glob(f"{prefix}*") if p.is_dir())


async def write_host_file(path: Path, contents: str | bytes) -> None:
    def write() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = contents.encode() if isinstance(contents, str) else contents
        path.write_bytes(data)

    try:
        await asyncio.to_thread(write)
    except OSError as ex:
        raise SandboxError(f"cannot write {path}: {ex.strerror or ex}") from None


async def read_host_file(path: Path) -> bytes:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path}")
    return await asyncio.to_thread(path.read_bytes)


_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_bytes(value: str) -> int:
    """`512m`, `2g`, `100k` or a plain number of bytes (as docker reads `--memory`)."""
    text = value.strip().lower().removesuffix("b") if value.strip().lower() != "b" else "1"
    number, unit = (text[:-1], text[-1]) if text and text[-1] in _UNITS else (text, "")
    try:
        amount = float(number)
    except ValueError:
        raise SandboxError(f"memory: '{value}' is not a size (write e.g. 512m or 2g)") from None
    if amount <= 0:
        raise SandboxError(f"memory: '{value}' must be more than 0")
    return int(amount * _UNITS[unit])
