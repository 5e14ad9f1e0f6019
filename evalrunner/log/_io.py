"""Reading, writing and listing logs, local or on any fsspec file system."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._file import (
    header_line,
    iter_sample_lines,
    parse_header,
    parse_trailer,
    read_tail_line,
    sample_line,
    trailer_line,
)
from ._inspect_read import is_inspect_log, read_inspect_log, read_inspect_samples
from ._inspect_write import write_inspect_log
from ._model import EvalLog, EvalSample, Status

LOG_SUFFIXES = (".json", ".eval")  # evalrunner's JSON; Inspect's .eval (and .json)


def _is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def _local(location: str) -> str:
    return location[len("file://") :] if location.startswith("file://") else location


def _open(location: str) -> Any:
    if _is_url(location):
        import fsspec

        return fsspec.open(location, "rb").open()
    return open(_local(location), "rb")


class LogFileError(ValueError):
    """A file that cannot be read as a log: missing, not a log, or its header cut short."""


def read_eval_log(location: str | Path, header_only: bool = False) -> EvalLog:
    """Read a log, evalrunner's JSON or Inspect's (`.eval` or `.json`); with `header_only`
    its samples are not read (nor parsed).

    Raises LogFileError, saying which file and why, when it is not a readable log.
    """
    location = str(location)
    try:
        if is_inspect_log(location):
            return read_inspect_log(location, header_only)
        return _read(location, header_only)
    except OSError as ex:
        raise LogFileError(f"{location}: cannot read: {ex.strerror or ex}") from None
    except ValueError as ex:  # JSON, UTF-8 and pydantic errors are all ValueErrors
        first = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        raise LogFileError(f"{location}: not an evalrunner log, or its header was cut short "
                           f"({first})") from None


def _read(location: str, header_only: bool) -> EvalLog:
    with _open(location) as f:
        first = f.readline().decode("utf-8")
        try:
            data = parse_header(first)
        except ValueError:
            f.seek(0)
            log = EvalLog.model_validate(json.load(f))  # a plain JSON log written by hand
            log.location = location
            return log
        trailer = parse_trailer(read_tail_line(f))
        data.update(trailer or {"status": "started"})
        if not header_only:
            data["samples"] = list(iter_sample_lines(f))
    log = EvalLog.model_validate(data)
    log.location = location
    return log


def read_eval_log_samples(location: str | Path) -> Iterator[EvalSample]:
    """Stream a log's samples one at a time (flat memory for big logs).

    Raises LogFileError when the file cannot be read or holds something that is not a sample.
    """
    location = str(location)
    try:
        if is_inspect_log(location):
            yield from read_inspect_samples(location)
            return
        with _open(location) as f:
            for data in iter_sample_lines(f):
                yield EvalSample.model_validate(data)
    except OSError as ex:
        raise LogFileError(f"{location}: cannot read: {ex.strerror or ex}") from None
    except ValueError as ex:
        first = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        raise LogFileError(f"{location}: not an evalrunner log ({first})") from None


def write_eval_log(log: EvalLog, location: str | Path) -> None:
    """Write a whole log atomically: a temporary file renamed over the target. A `.eval`
    location gets Inspect's format, anything else evalrunner's JSON."""
    location = str(location)
    if location.endswith(".eval"):
        fd, tmp_eval = tempfile.mkstemp(suffix=".eval")
        os.close(fd)
        try:
            write_inspect_log(log, log.samples, tmp_eval)
            data = Path(tmp_eval).read_bytes()
        finally:
            Path(tmp_eval).unlink(missing_ok=True)
    else:
        lines = [header_line(log)]
        lines += [sample_line(s, i == 0) for i, s in enumerate(log.samples)]
        lines.append(trailer_line(log))
        data = "".join(lines).encode("utf-8")  # each line is redacted as it is made
    if _is_url(location):
        import fsspec

        with fsspec.open(location, "wb") as f:
            f.write(data)
        return
    path = Path(_local(location))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def list_eval_logs(
    log_dir: str | Path = "logs", status: Status | None = None, recursive: bool = True
) -> list[EvalLog]:
    """Headers of the logs in a folder (newest first), optionally of one status."""
    log_dir = str(log_dir)
    if _is_url(log_dir):
        import fsspec

        fs, root = fsspec.core.url_to_fs(log_dir)
        protocol = log_dir.split("://", 1)[0]
        files = []
        for suffix in LOG_SUFFIXES:
            pattern = f"{root.rstrip('/')}/{'**/' if recursive else ''}*{suffix}"
            files += [f"{protocol}://{p}" for p in fs.glob(pattern)]
    else:
        root_path = Path(_local(log_dir))
        if not root_path.is_dir():
            return []
        files = [str(p) for suffix in LOG_SUFFIXES
                 for p in (root_path.rglob if recursive else root_path.glob)(f"*{suffix}")
                 if not p.name.startswith(".")]
    logs: list[EvalLog] = []
    for file in files:
        try:
            log = read_eval_log(file, header_only=True)
        except (ValueError, OSError):
            continue  # not a log
        if status is None or log.status == status:
            logs.append(log)
    logs.sort(key=lambda log: log.eval.created, reverse=True)
    return logs
