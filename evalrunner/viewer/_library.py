"""The viewer's data: the logs of a folder, their headers, and pages of their samples.

Everything here is blocking file work; the HTTP server calls it from worker threads.
Each log's index and header are cached and checked against the file on every request,
so a page shows what a running eval has written so far.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..log._io import read_eval_log
from ..log._model import EvalLog
from ._index import LogIndex
from ._rows import sample_row

MAX_PAGE = 500


class NotFound(Exception):
    """No such log or sample."""


@dataclass(frozen=True)
class SampleQuery:
    """A page of the sample list, with its filters (all optional)."""

    offset: int = 0
    limit: int = 50
    score: str | None = None  # a score value (C, I, 0.5, ...), of any scorer or `scorer`
    scorer: str | None = None
    error: bool | None = None  # True: only samples that failed; False: only those that did not
    q: str | None = None  # text anywhere in the sample, case-insensitive

    def filters(self) -> tuple[str | None, str | None, bool | None, str | None]:
        return (self.score, self.scorer, self.error, self.q)


class LogLibrary:
    """The logs under one folder, addressed by their path relative to it."""

    def __init__(self, log_dir: str | Path) -> None:
        self.root = Path(log_dir).resolve()
        self._indexes: dict[Path, LogIndex] = {}
        self._headers: dict[Path, tuple[tuple[int, int], EvalLog]] = {}
        self._matches: dict[tuple[Path, Any], tuple[int, list[int]]] = {}
        self._lock = threading.Lock()

    def files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        out = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            logs = [n for n in names if n.endswith(".json") and not n.startswith(".")]
            out += [Path(folder) / n for n in logs]
        return out

    def log_id(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def path_of(self, log_id: str) -> Path:
        """The file of a log id; anything outside the folder or not a log file is NotFound."""
        if not log_id.endswith(".json") or "\\" in log_id or "\0" in log_id:
            raise NotFound(log_id)
        path = (self.root / log_id).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise NotFound(log_id)
        return path

    def header_of(self, path: Path) -> EvalLog:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
        with self._lock:
            cached = self._headers.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        log = read_eval_log(path, header_only=True)
        with self._lock:
            self._headers[path] = (stamp, log)
        return log

    def index_of(self, path: Path) -> LogIndex:
        with self._lock:
            index = self._indexes.get(path)
            if index is None:
                index = self._indexes[path] = LogIndex(path)
        with index.lock:
            index.refresh()
        return index

    def list_logs(self) -> list[dict[str, Any]]:
        rows = []
        for path in self.files():
            try:
                log = self.header_of(path)
            except (ValueError, OSError, json.JSONDecodeError):
                continue  # not a log
            running = self.index_of(path).count if log.status == "started" else None
            rows.append(log_row(self.log_id(path), log, running))
        rows.sort(key=lambda r: str(r["created"]), reverse=True)
        return rows

    def header(self, log_id: str) -> dict[str, Any]:
        path = self.path_of(log_id)
        try:
            log = self.header_of(path)
        except (ValueError, json.JSONDecodeError) as ex:
            raise NotFound(log_id) from ex
        index = self.index_of(path)
        data = log.model_dump(mode="json", exclude={"samples"})
        data.update(id=log_id, sample_count=index.count, size=path.stat().st_size)
        return data

    def samples(self, log_id: str, query: SampleQuery) -> dict[str, Any]:
        index = self.index_of(self.path_of(log_id))
        with index.lock:
            matches = self._match(index, query)
            limit = max(1, min(MAX_PAGE, query.limit))
            offset = max(0, query.offset)
            page = matches[offset : offset + limit]
            items = [sample_row(n, d) for n, d in zip(page, index.read_many(page), strict=True)]
            return {
                "total": len(matches),
                "count": index.count,
                "offset": offset,
                "limit": limit,
                "complete": index.trailer is not None or not index.lines_format,
                "items": items,
            }

    def sample(self, log_id: str, n: int) -> dict[str, Any]:
        index = self.index_of(self.path_of(log_id))
        if not 0 <= n < index.count:
            raise NotFound(f"{log_id} sample {n}")
        with index.lock:
            data = index.read(n)
        data["n"] = n
        return data

    def facets(self, log_id: str) -> dict[str, Any]:
        """Counts of each score value per scorer, and of errors: what the filters offer."""
        index = self.index_of(self.path_of(log_id))
        with index.lock:
            index.ensure_facts()
            scorers: dict[str, dict[str, int]] = {}
            for facts in index.facts:
                for name, value in facts.scores.items():
                    values = scorers.setdefault(name, {})
                    values[value] = values.get(value, 0) + 1
            errors = sum(1 for f in index.facts if f.error)
            return {"count": index.count, "scorers": scorers, "errors": errors}

    def _match(self, index: LogIndex, query: SampleQuery) -> list[int]:
        """Positions of the matching samples in id order; cached until samples come in."""
        order = index.order()
        if query.filters() == (None, None, None, None):
            return order
        key = (index.path, query.filters())
        cached = self._matches.get(key)
        if cached is not None and cached[0] == index.count:
            return cached[1]
        keep = order
        if query.score is not None or query.error is not None:
            index.ensure_facts()
            keep = [n for n in keep if _facts_match(index, n, query)]
        if query.q:
            keep = _search(index, keep, query.q)
        self._matches[key] = (index.count, keep)
        return keep


def _facts_match(index: LogIndex, n: int, query: SampleQuery) -> bool:
    facts = index.facts[n]
    if query.error is not None and facts.error != query.error:
        return False
    if query.score is None:
        return True
    wanted = query.score.strip().lower()
    values = (
        [facts.scores.get(query.scorer, "")] if query.scorer else list(facts.scores.values())
    )
    return any(v.lower() == wanted for v in values)


def _search(index: LogIndex, keep: list[int], q: str) -> list[int]:
    # Lines are JSON: a quote or newline in the query appears escaped in the file.
    needles = {q.lower(), json.dumps(q.lower(), ensure_ascii=False)[1:-1]}
    lines = index.raw_lines()
    out = []
    for n in keep:
        text = lines[n].decode("utf-8", errors="replace").lower()
        if any(needle in text for needle in needles):
            out.append(n)
    return out


def log_row(log_id: str, log: EvalLog, running: int | None) -> dict[str, Any]:
    """One line of the log list: task, model, status, main metric, samples, time."""
    metric = None
    results = log.results
    for score in results.scores if results else []:
        for name, m in score.metrics.items():
            metric = {"scorer": score.name, "name": name, "value": m.value}
            break
        if metric:
            break
    return {
        "id": log_id,
        "task": log.eval.task,
        "suite": log.eval.suite,
        "model": log.eval.model,
        "status": log.status,
        "created": log.eval.created,
        "started_at": log.stats.started_at,
        "completed_at": log.stats.completed_at,
        "metric": metric,
        "total": results.total_samples if results else log.eval.dataset.samples,
        "completed": results.completed_samples if results else running,
        "errors": results.error_samples if results else None,
        "epochs": log.eval.epochs,
    }
