"""Shared by the backends whose sandbox is a folder on this machine (local, bwrap)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import os
import shutil
import stat
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from ._backend import Leftover
from ._environment import SandboxError
from ._runs import sample_places

__all__ = [
    "ROOT_PREFIX", "leftovers", "make_workdir", "read_confined", "remove_tree", "write_confined",
]

ROOT_PREFIX = "evalrunner-sandbox-"  # folders named so that `sandbox cleanup` finds them


def make_workdir(kind: str, run_id: str, label: str) -> Path:
    """A fresh folder for one sample, marked with its run id for `sandbox cleanup`."""
    return Path(tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{kind}-{run_id}-{label}-"))


async def remove_tree(path: Path) -> None:
    await asyncio.to_thread(shutil.rmtree, path, True)


def leftovers(kind: str, run_id: str | None,
              remove: Callable[[Path], Awaitable[None]] | None = None) -> list[Leftover]:
    """Sample folders of `kind` (of one run, or of any) in every temporary folder runs used.

    Runs record theirs (`_runs`), so a folder made under another TMPDIR is found too.
    """
    prefix = f"{ROOT_PREFIX}{kind}-{run_id or ''}"
    found = []
    for base in sample_places():
        for path in sorted(base.glob(f"{prefix}*")):
            if path.is_dir() and not path.is_symlink():
                owner = path.name.removeprefix(f"{ROOT_PREFIX}{kind}-").split("-", 1)[0]
                found.append(Leftover(owner, f"folder {path}", path.lstat().st_uid,
                                      functools.partial(remove or remove_tree, path)))
    return found


def _open_beneath(root: Path, path: str, flags: int, make_parents: bool = False) -> int:
    """Open `path` inside `root` the way openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) does.

    One component at a time, relative to the folder opened before it, none followed if it
    is a symbolic link, `..` never above `root`: a link the model made (to a host file,
    to /proc) is refused, not followed.
    """
    inside = os.path.normpath(path)
    if os.path.isabs(inside):
        if not Path(inside).is_relative_to(root):
            raise SandboxError(f"{path}: outside the sample's folder ({root})")
        inside = os.path.relpath(inside, root)
    parts = [p for p in Path(inside).parts if p != "."]
    if not parts or parts[0] == "..":
        raise SandboxError(f"{path}: outside the sample's folder ({root})")
    nofollow = os.O_NOFOLLOW | os.O_CLOEXEC
    current = os.open(root, os.O_RDONLY | os.O_DIRECTORY | nofollow)
    try:
        for part in parts[:-1]:
            if make_parents:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=current)
            try:
                step = os.open(part, os.O_RDONLY | os.O_DIRECTORY | nofollow, dir_fd=current)
            except OSError as ex:
                if ex.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise SandboxError(f"{path}: {part} is a symbolic link or not a folder "
                                       "(links are not followed)") from None
                raise
            os.close(current)
            current = step
        try:
            return os.open(parts[-1], flags | nofollow, 0o644, dir_fd=current)
        except OSError as ex:
            if ex.errno == errno.ELOOP:
                raise SandboxError(f"{path} is a symbolic link (links are not followed)") from None
            raise
    finally:
        os.close(current)


async def write_confined(root: Path, path: str, contents: str | bytes) -> None:
    """Create or replace a file inside `root` (parents made), never through a link."""
    data = contents.encode() if isinstance(contents, str) else contents

    def write() -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        with os.fdopen(_open_beneath(root, path, flags, make_parents=True), "wb") as file:
            file.write(data)

    try:
        await asyncio.to_thread(write)
    except OSError as ex:
        raise SandboxError(f"cannot write {path}: {ex.strerror or ex}") from None


async def read_confined(root: Path, path: str, limit: int) -> bytes:
    """A regular file's contents inside `root`, never through a link; at most `limit` bytes."""
    def read() -> bytes:
        with os.fdopen(_open_beneath(root, path, os.O_RDONLY | os.O_NONBLOCK), "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise SandboxError(f"cannot read {path}: not a regular file")
            data = file.read(limit + 1)
        if len(data) > limit:
            raise SandboxError(f"cannot read {path}: larger than {limit} bytes")
        return data

    try:
        return await asyncio.to_thread(read)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path}") from None
    except OSError as ex:
        raise SandboxError(f"cannot read {path}: {ex.strerror or ex}") from None


_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_bytes(value: str, key: str = "memory") -> int:
    """`512m`, `2g`, `100k` or a plain number of bytes (as docker reads `--memory`)."""
    text = value.strip().lower().removesuffix("b") if value.strip().lower() != "b" else "1"
    number, unit = (text[:-1], text[-1]) if text and text[-1] in _UNITS else (text, "")
    try:
        amount = float(number)
    except ValueError:
        raise SandboxError(f"{key}: '{value}' is not a size (write e.g. 512m or 2g)") from None
    if amount <= 0:
        raise SandboxError(f"{key}: '{value}' must be more than 0")
    return int(amount * _UNITS[unit])
