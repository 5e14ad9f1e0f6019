"""Writing a log while a task runs: samples appended from a writer thread."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from ._file import header_line, sample_line, trailer_line
from ._inspect_write import EvalFileWriter
from ._io import _is_url, _local
from ._lock import LogLock, LogLockError, lock_log
from ._model import EvalLog, EvalSample

_FSYNC_EVERY = 1.0  # seconds between fsyncs; every line is written to the OS at once
_BATCH = 1000  # most samples written between two flushes
# A `.eval` log's central directory is rewritten at a checkpoint (once a second at most);
# its size grows with the samples, so big logs get one less often: every _PER_SECOND
# members add a second. Members written since are still read back by `_zip.scan`.
_PER_SECOND = 5000


class _JsonLines:
    """evalrunner's own format: a header line, a line per sample, a trailer line."""

    def __init__(self, f: IO[bytes]) -> None:
        self._f = f
        self._first = True

    def start(self, log: EvalLog) -> None:
        self._f.write(header_line(log).encode("utf-8"))  # lines come redacted

    def samples(self, batch: list[EvalSample]) -> None:
        lines = []
        for item in batch:
            lines.append(sample_line(item, self._first))
            self._first = False
        # One write: each system call gives the GIL back to the busy event loop.
        self._f.write("".join(lines).encode("utf-8"))

    def checkpoint(self) -> None:
        pass  # every line is whole on its own

    def finish(self, log: EvalLog) -> None:
        self._f.write(trailer_line(log).encode("utf-8"))


class _EvalZip(EvalFileWriter):
    """Inspect's `.eval` format, appended to and never rewritten (`_inspect_write.py`)."""

    def __init__(self, f: IO[bytes]) -> None:
        super().__init__(f)
        self._last_checkpoint = time.monotonic()
        self._members_at_checkpoint = 0

    def checkpoint(self) -> None:
        members = len(self._zip.members)
        wait = max(1.0, members / _PER_SECOND)
        if members > self._members_at_checkpoint and (
            time.monotonic() - self._last_checkpoint >= wait or self._members_at_checkpoint == 0
        ):
            super().checkpoint()
            self._last_checkpoint = time.monotonic()
            self._members_at_checkpoint = members


def format_of(location: str) -> str:
    """The format a log location's suffix asks for: `eval` (Inspect's) or `json`."""
    return "eval" if location.endswith(".eval") else "json"


class LogWriteError(Exception):
    """The log cannot be written (a full disk, a file size limit): the run must stop."""

    def __init__(self, location: str, cause: OSError) -> None:
        reason = cause.strerror or str(cause)
        super().__init__(f"cannot write the log {location}: {reason}")
        self.cause = cause


class LogWriter:
    """Appends a run's samples to its log as they finish, then its trailer.

    Samples go through a queue to one thread, so the event loop never waits on the disk.
    A remote location (an fsspec URL) is written to a local file and uploaded at the end.
    """

    # Class defaults too, so that a writer that overrides __init__ (one that keeps nothing)
    # still answers them.
    failure: LogWriteError | None = None  # set by the writer thread when it fails
    cancelled = False  # a copying thread stops when this turns true

    def __init__(self, location: str, log_format: str | None = None) -> None:
        """`log_format` is `json` or `eval`; by default the location's suffix says."""
        self.location = location
        self.log_format = log_format or format_of(location)
        if _is_url(location):
            fd, local = tempfile.mkstemp(suffix=Path(location).suffix or ".json")
            os.close(fd)
            self._path = Path(local)
        else:
            self._path = Path(_local(location))
            self._path.parent.mkdir(parents=True, exist_ok=True)
        self._queue: queue.SimpleQueue[EvalSample | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._file: IO[bytes] | None = None
        self._format: _JsonLines | _EvalZip | None = None
        self._written = threading.Condition()
        self._queued = 0
        self.samples_written = 0
        self.failure = None
        self.cancelled = False
        self._lock: LogLock | None = None

    def start(self, log: EvalLog) -> None:
        """Lock the log, write the header line and start the writer thread.

        The lock is held until the log is closed, so no retry resumes a log still being
        written. A header that cannot be written leaves no file (an empty log is neither
        a run nor something to retry)."""
        if not _is_url(self.location):
            try:
                self._lock = lock_log(str(self._path), "writing")
            except LogLockError as ex:
                raise LogWriteError(self.location, OSError(str(ex))) from None
            except OSError:
                pass  # a folder that takes no lock file fails on the header just below
        try:
            self._file = open(self._path, "w+b")  # noqa: SIM115 - closed in finish
            self._format = (_EvalZip(self._file) if self.log_format == "eval"
                            else _JsonLines(self._file))
            self._format.start(log)
            self._file.flush()
        except OSError as ex:
            self._discard()
            raise LogWriteError(self.location, ex) from None
        self._thread = threading.Thread(target=self._drain, name="evalrunner-log", daemon=True)
        self._thread.start()

    def _discard(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        with contextlib.suppress(OSError):
            self._path.unlink(missing_ok=True)
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def write_sample(self, sample: EvalSample) -> None:
        """Queue a finished sample (returns at once); raises LogWriteError once writing
        failed, so the run stops instead of calling the model for samples it cannot keep."""
        if self.failure is not None:
            raise self.failure
        self._queued += 1
        self._queue.put(sample)

    def wait_backlog(self, limit: int = 1000) -> None:
        """Block until at most `limit` samples wait to be written.

        For threads that copy samples faster than they can be written (a retry carrying
        a big log over): memory stays flat instead of holding the whole log in the queue.
        Never call it from the event loop.
        """
        with self._written:
            self._written.wait_for(lambda: self._queued - self.samples_written <= limit
                                   or self.failure is not None or self.cancelled)
        if self.failure is not None:
            raise self.failure

    def cancel(self) -> None:
        """Wake a thread waiting in `wait_backlog` (the run was cancelled)."""
        with self._written:
            self.cancelled = True
            self._written.notify_all()

    def _drain(self) -> None:
        try:
            self._write_queued()
        except OSError as ex:  # a full disk: say so, and keep taking items so none waits
            with self._written:
                self.failure = LogWriteError(self.location, ex)
                self._written.notify_all()
            while self._queue.get() is not None:
                pass

    def _write_queued(self) -> None:
        assert self._file is not None and self._format is not None
        last_sync = time.monotonic()
        done = False
        while not done:
            batch, done = self._next_batch()
            self._format.samples(batch)
            # Every sample goes to the OS as soon as it is written: a finished sample survives
            # SIGKILL, so a retry never sends it to the model again. fsync is rationed.
            self._file.flush()
            with self._written:
                self.samples_written += len(batch)
                self._written.notify_all()
            if time.monotonic() - last_sync > _FSYNC_EVERY:
                self._format.checkpoint()
                self._file.flush()
                os.fsync(self._file.fileno())
                last_sync = time.monotonic()

    def _next_batch(self) -> tuple[list[EvalSample], bool]:
        """The samples queued now (at least one wait), and whether the end was queued.

        A busy event loop holds the GIL; this thread gets it once per switch interval, so
        it writes everything waiting then, not one sample: at a thousand samples a second,
        one at a time fell behind and the queue held most of a run in memory.
        """
        batch: list[EvalSample] = []
        item = self._queue.get()
        while item is not None:
            batch.append(item)
            if len(batch) >= _BATCH:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def abandon(self) -> None:
        """Stop and delete what was written (a log that must not appear half done)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._discard()

    def finish(self, log: EvalLog) -> None:
        """Wait for queued samples, append the trailer and make it durable (blocking).

        Never raises for a write that fails: `failure` says so, and what is on disk stays
        (a log without its trailer reads as unfinished, and `retry` continues it).
        """
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        assert self._file is not None and self._format is not None
        try:
            if self.failure is None:
                self._format.finish(log)
                self._file.flush()
                os.fsync(self._file.fileno())
        except OSError as ex:
            self.failure = LogWriteError(self.location, ex)
        finally:
            try:
                self._file.close()
            except OSError as ex:  # the buffered rest could not be written either
                self.failure = self.failure or LogWriteError(self.location, ex)
        self._unlock()
        if self.failure is not None:
            return
        if _is_url(self.location):
            import fsspec

            with open(self._path, "rb") as src, fsspec.open(self.location, "wb") as dst:
                shutil.copyfileobj(src, dst)
            self._path.unlink(missing_ok=True)
