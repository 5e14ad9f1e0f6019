"""Log locks: one process at a time writes, retries or resumes a log.

A lock file beside the log (`.NAME.lock`) is held with `flock`, so a killed process leaves
no stale lock (the file may stay; it holds nothing). The holder writes its process id and
what it is doing into the file, so the one refused can name it. A run holds the lock of
the log it writes until the log is closed; a retry holds the locks of the whole chain of
logs it continues (see `lock_chain`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class LogLockError(Exception):
    """Another process holds the lock of a log."""


@dataclass
class LogLock:
    """A held lock on a log (released when closed, or when the process ends)."""

    path: Path
    fd: int

    def release(self) -> None:
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()  # while still held: the next one makes a fresh file
        os.close(self.fd)
        self.fd = -1


def lock_log(location: str, doing: str) -> LogLock | None:
    """Take the lock of a local log (None for a remote one, which has no lock); `doing`
    says what for ("writing", "retrying"), for whoever is refused. Raises LogLockError
    when another process holds it, OSError when the lock file cannot be made."""
    if "://" in location:
        return None
    log = Path(location)
    path = log.with_name(f".{log.name}.lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LogLockError(f"{location}: in use by {holder}; wait for it to end") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file that its holder removed as we opened it
            os.ftruncate(fd, 0)
            os.write(fd, f"process {os.getpid()} ({doing})".encode())
            return LogLock(path, fd)
        os.close(fd)


def lock_chain(locations: Sequence[str], doing: str) -> list[LogLock]:
    """Lock every log of a chain (a log and those it continued): whoever holds any of them
    is writing or resuming the same samples. All or none: on refusal none stays held."""
    held: list[LogLock] = []
    try:
        for location in locations:
            lock = lock_log(location, doing)
            if lock is not None:
                held.append(lock)
    except BaseException:
        for lock in held:
            lock.release()
        raise
    return held
