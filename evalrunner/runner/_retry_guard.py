"""What keeps a retry honest: one retry per log at a time, an unchanged task, and every
finished sample of a chain of retries found again.

A retry locks the whole chain of logs it continues (log/_lock.py), and a run locks the log
it writes until it is closed: a second retry of any log of the chain, or of a log still
being written, is refused while the first runs, so no sample is sent twice. A log records
the hashes of its task, dataset, template files and Python files: a retry whose inputs
hash otherwise would mix old and new samples in one log, so it is refused, naming what
changed, unless forced. A retry that was itself killed names the log it continued
(`retry_of`): the chain is followed back, so a sample that finished in any of them is not
sent again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from ..log._io import read_eval_log
from ..log._model import EvalLog
from ..suite._model import TaskDef


def changes_since(log: EvalLog, task: TaskDef) -> list[str]:
    """What differs between the run a log records and the task as it loads now."""
    from ..dataset import read_dataset

    stamp = log.eval.stamp
    changed: list[str] = []
    if stamp.task_hash and task.resolved_hash != stamp.task_hash:
        changed.append(f"task '{log.eval.task}' (its definition in the suite)")
    logged_dataset = stamp.dataset_hash or log.eval.dataset.hash
    if logged_dataset:
        try:
            now = read_dataset(task.dataset, task.base_dir).hash
        except Exception as ex:  # unreadable now: that is a change too
            now = f"unreadable ({ex})"
        if now != logged_dataset:
            where = log.eval.dataset.location or log.eval.dataset.name or "inline samples"
            changed.append(f"dataset {where}")
    for kind, files in (("template", stamp.templates), ("Python file", stamp.python_files)):
        for file, digest in files.items():
            if _file_hash(Path(file)) != digest:
                changed.append(f"{kind} {file}")
    return changed


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def retry_chain(log: EvalLog) -> list[str]:
    """The log's location, then those of the logs it continued, back to the first run.

    A log named in `retry_of` is looked for where it was, then beside this log (folders of
    logs are moved, as CI artifacts are). Logs that are gone are skipped.
    """
    chain: list[str] = []
    pending = [str(log.location)]
    while pending:
        location = pending.pop(0)
        if location in chain:
            continue
        chain.append(location)
        for older in _older(location):
            found = _find(older, location)
            if found is not None and found not in chain:
                pending.append(found)
    return chain


def _older(location: str) -> Iterator[str]:
    try:
        header = read_eval_log(location, header_only=True)
    except (OSError, ValueError):
        return
    yield from header.eval.retry_of or []


def _find(older: str, beside: str) -> str | None:
    if "://" in older:
        return older
    if Path(older).is_file():
        return older
    sibling = Path(beside).with_name(Path(older).name)
    return str(sibling) if sibling.is_file() else None
