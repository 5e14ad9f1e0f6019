"""Logs of either tool as evalrunner logs: this project's JSON lines logs, and Inspect's
`.json` and `.eval` logs (read through `_inspect`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..log import _inspect_read as _inspect
from ..log._io import read_eval_log, read_eval_log_samples
from ..log._model import EvalLog, EvalSample

LOG_SUFFIXES = (".json", ".eval")
logger = logging.getLogger(__name__)


def log_files(paths: Sequence[str | Path]) -> list[str]:
    """Files as given; folders give every log file under them (sorted)."""
    out: list[str] = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(
                str(p) for p in path.rglob("*")
                if p.suffix in LOG_SUFFIXES and not p.name.startswith(".") and p.is_file()
            )
        else:
            out.append(str(path))
    return out


def read_header(location: str | Path) -> EvalLog:
    """A log's header (no samples), whichever tool wrote it."""
    location = str(location)
    if _inspect.is_inspect_log(location):
        return _inspect.read_inspect_log(location, header_only=True)
    return read_eval_log(location, header_only=True)


def read_samples(location: str | Path) -> Iterator[EvalSample]:
    """A log's samples one at a time, whichever tool wrote it."""
    location = str(location)
    if _inspect.is_inspect_log(location):
        yield from _inspect.read_inspect_samples(location)
        return
    yield from read_eval_log_samples(location)


def read_headers(paths: Sequence[str | Path]) -> tuple[list[EvalLog], list[str]]:
    """Headers of every log among `paths`, and a message per file that is not a log.

    Files named on the command line that cannot be read are errors; files found in a
    folder that are not logs (a dataset, a config) are skipped quietly.
    """
    named = {str(p) for p in paths if not Path(p).is_dir()}
    logs: list[EvalLog] = []
    errors: list[str] = []
    for file in log_files(paths):
        try:
            logs.append(read_header(file))
        except _inspect.LogReadError as ex:  # a broken log, not some other file: say so
            if file in named:
                errors.append(str(ex))
            else:
                logger.warning("skipped %s", ex)
        except (OSError, ValueError, KeyError) as ex:
            if file in named:
                errors.append(f"{file}: not a readable log ({ex})")
    return logs, errors


def every_run(logs: Sequence[EvalLog]) -> list[EvalLog]:
    """Every run of a folder's logs (prompt variants, repeats, models), oldest first: a
    log that a later one retried is left out, as the retry holds its samples."""
    retried = {str(old).rsplit("/", 1)[-1] for log in logs for old in log.eval.retry_of or []}
    return sorted((log for log in logs if str(log.location).rsplit("/", 1)[-1] not in retried),
                  key=lambda x: x.eval.created)


def latest_runs(logs: Sequence[EvalLog]) -> list[EvalLog]:
    """One log per task and model: of a folder's logs, the newest that no later log retried
    (an eval set's attempts leave several logs per task and model)."""
    retried = {str(old).rsplit("/", 1)[-1] for log in logs for old in log.eval.retry_of or []}
    kept: dict[tuple[str, str], EvalLog] = {}
    for log in sorted(logs, key=lambda x: x.eval.created):
        if str(log.location).rsplit("/", 1)[-1] in retried:
            continue
        kept[(log.eval.task, log.eval.model)] = log
    return list(kept.values())
