"""The viewer's data: the logs of a folder, their headers, and pages of their samples.

Everything here is blocking file work; the HTTP server calls it from worker threads.
Each log's index and header are cached and checked against the file on every request,
so a page shows what a running eval has written so far.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..log._inspect_read import is_inspect_log
from ..log._io import read_eval_log
from ..log._model import EvalLog
from ._index import LogIndex
from ._inspect import InspectCache
from ._rows import sample_row

logger = logging.getLogger(__name__)

MAX_PAGE = 500
LOG_SUFFIXES = (".json", ".eval")


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
    meta: str | None = None  # `key=value`: a metadata value (nested keys joined with `.`)
    sort: str | None = None  # id (default), score, tokens or time; `-` before: descending

    def filters(self) -> tuple[Any, ...]:
        return (self.score, self.scorer, self.error, self.q, self.meta, self.sort)


class LogLibrary:
    """The logs under one folder, addressed by their path relative to it."""

    def __init__(self, log_dir: str | Path) -> None:
        self.root = Path(log_dir).resolve()
        self._indexes: dict[Path, LogIndex] = {}
        self._headers: dict[Path, tuple[tuple[int, int], EvalLog]] = {}
        self._matches: dict[tuple[Path, Any], tuple[int, list[int]]] = {}
        self._lock = threading.Lock()
        self._inspect = InspectCache()

    def files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        out = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            logs = [n for n in names if n.endswith(LOG_SUFFIXES) and not n.startswith(".")]
            out += [Path(folder) / n for n in logs]
        return out

    def log_id(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def path_of(self, log_id: str) -> Path:
        """The file of a log id; anything outside the folder or not a log file is NotFound."""
        if not log_id.endswith(LOG_SUFFIXES) or "\\" in log_id or "\0" in log_id:
            raise NotFound(log_id)
        path = (self.root / log_id).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise NotFound(log_id)
        return path

    def readable(self, path: Path) -> Path:
        """The file to read a log from: itself, or for an Inspect log its conversion to
        this tool's format (made once per version of the file, in a private folder)."""
        if not is_inspect_log(str(path)):
            return path
        return self._inspect.converted(path)

    def header_of(self, path: Path) -> EvalLog:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
        with self._lock:
            cached = self._headers.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        log = read_eval_log(self.readable(path), header_only=True)
        with self._lock:
            self._headers[path] = (stamp, log)
        return log

    def index_of(self, path: Path) -> LogIndex:
        with self._lock:
            index = self._indexes.get(path)
            if index is None:
                index = self._indexes[path] = LogIndex(self.readable(path))
            elif index.path != path:
                index.path = self.readable(path)  # a new conversion when the file changed
        with index.lock:
            index.refresh()
        return index

    def list_logs(self) -> list[dict[str, Any]]:
        rows = []
        for path in self.files():
            try:
                log = self.header_of(path)
            except (ValueError, OSError, json.JSONDecodeError):
                continue  # not a log (or a broken one: its own page says why)
            try:
                running = self.index_of(path).count if log.status == "started" else None
                rows.append(log_row(self.log_id(path), log, running))
            except Exception as ex:
                logger.warning("skipped %s: %s", path, ex)
        rows.sort(key=lambda r: str(r["created"]), reverse=True)
        _mark_variants(rows)
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
        dataset = data["eval"].get("dataset") or {}
        if dataset.get("location"):
            dataset["location"] = shown_location(dataset["location"], log.eval.suite_file)
        if log.eval.suite_file:
            data["eval"]["suite_file"] = shown_location(log.eval.suite_file, None)
        if log.status == "started":
            with index.lock:
                data["running"] = running_figures(log, index)
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

    def sample(self, log_id: str, n: int, query: SampleQuery | None = None) -> dict[str, Any]:
        """Sample `n`, with its neighbours in the list the query shows (previous/next)."""
        index = self.index_of(self.path_of(log_id))
        if not 0 <= n < index.count:
            raise NotFound(f"{log_id} sample {n}")
        with index.lock:
            data = index.read(n)
            matches = self._match(index, query or SampleQuery())
        data["n"] = n
        where = matches.index(n) if n in matches else None
        data["nav"] = {
            "position": None if where is None else where + 1,
            "total": len(matches),
            "prev": matches[where - 1] if where else None,
            "next": matches[where + 1] if where is not None and where + 1 < len(matches)
            else None,
        }
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
            return {"count": index.count, "scorers": scorers, "errors": errors,
                    "metadata": _metadata_facets(index)}

    def _match(self, index: LogIndex, query: SampleQuery) -> list[int]:
        """Positions of the matching samples in id order; cached until samples come in."""
        order = index.order()
        if query.filters() == (None,) * len(query.filters()):
            return order
        key = (index.path, query.filters())
        cached = self._matches.get(key)
        if cached is not None and cached[0] == index.count:
            return cached[1]
        keep = order
        if query.score is not None or query.error is not None or query.meta is not None:
            index.ensure_facts()
            keep = [n for n in keep if _facts_match(index, n, query)]
        if query.q:
            keep = _search(index, keep, query.q)
        if query.sort and query.sort.lstrip("-") != "id":
            keep = _sorted(index, keep, query.sort, query.scorer)
        elif query.sort == "-id":
            keep = keep[::-1]
        self._matches[key] = (index.count, keep)
        return keep


def _facts_match(index: LogIndex, n: int, query: SampleQuery) -> bool:
    facts = index.facts[n]
    if query.error is not None and facts.error != query.error:
        return False
    if query.meta is not None:
        name, _, value = query.meta.partition("=")
        if facts.metadata.get(name) != value:
            return False
    if query.score is None:
        return True
    wanted = query.score.strip().lower()
    values = (
        [facts.scores.get(query.scorer, "")] if query.scorer else list(facts.scores.values())
    )
    return any(v.lower() == wanted for v in values)


SORTS = ("id", "score", "tokens", "time")
MAX_FACET_VALUES = 30  # a metadata key with more distinct values is not offered as a filter


def _sorted(index: LogIndex, keep: list[int], sort: str, scorer: str | None) -> list[int]:
    """Positions ordered by a column (stable: ties keep id order); missing values last."""
    index.ensure_facts()
    field = sort.lstrip("-")
    descending = sort.startswith("-")

    def value(n: int) -> Any:
        facts = index.facts[n]
        if field == "tokens":
            return facts.tokens
        if field == "time":
            return facts.time
        scores = facts.scores
        text = scores.get(scorer, "") if scorer else next(iter(scores.values()), "")
        return _score_rank(text)

    present = [n for n in keep if value(n) is not None]
    missing = [n for n in keep if value(n) is None]
    return sorted(present, key=value, reverse=descending) + missing


def _score_rank(text: str) -> float | None:
    """Score values in a sortable order: numbers as themselves, C/P/I as 1/0.5/0."""
    from ..scorers._score import value_to_float

    if text in ("", "unscored"):
        return None
    try:
        return value_to_float(text)
    except ValueError:
        return None


def _metadata_facets(index: LogIndex) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for facts in index.facts:
        for key, value in facts.metadata.items():
            values = counts.setdefault(key, {})
            values[value] = values.get(value, 0) + 1
    return {k: v for k, v in counts.items() if 1 < len(v) <= MAX_FACET_VALUES}


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


def running_figures(log: EvalLog, index: LogIndex) -> dict[str, Any]:
    """What the terminal shows of a running task: its first scorer's mean so far (under
    the task's first metric's name when that is a mean) and the time left at the rate
    samples have finished since it started."""
    from ..display._progress import first_metric

    index.ensure_facts()
    values = []
    for facts in index.facts:
        first = next(iter(facts.scores.values()), None)
        value = _score_rank(first) if first is not None and not facts.error else None
        if value is not None:
            values.append(value)
    expected = (log.eval.dataset.samples or 0) * max(1, log.eval.epochs)
    eta = None
    try:
        started = log.stats.started_at or log.eval.created  # a header holds no stats yet
        elapsed = time.time() - datetime.fromisoformat(str(started)).timestamp()
    except ValueError:
        elapsed = 0.0
    if index.count and expected > index.count and elapsed > 0:
        eta = (expected - index.count) * elapsed / index.count
    return {
        "metric": first_metric(log) or "mean",
        "value": sum(values) / len(values) if values else None,
        "scored": len(values),
        "eta": eta,
    }


def shown_location(location: str, suite_file: str | None) -> str:
    """A dataset's location as the page shows it: relative to the suite's folder when it
    lies under it, else its file name; never an absolute path of the machine that ran."""
    if "://" in location or not os.path.isabs(location):
        return location
    parts = Path(location).parts
    folder = Path(suite_file).parent.parts if suite_file else ()
    folder = tuple(p for p in folder if p not in ("/", "."))
    for start in range(len(parts) - len(folder)):
        if folder and parts[start:start + len(folder)] == folder:
            return "/".join(parts[start + len(folder):])
    return Path(location).name


def _mark_variants(rows: list[dict[str, Any]]) -> None:
    """Each row's `variant`: its params whose values differ among the task's logs (what
    tells two prompt variants of a task apart)."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_task.setdefault(f"{row['suite']}/{row['task']}", []).append(row)
    for group in by_task.values():
        keys = sorted({k for row in group for k in row["params"]})
        varying = [k for k in keys if len({_text(row["params"].get(k)) for row in group}) > 1]
        for row in group:
            row["variant"] = {k: row["params"].get(k) for k in varying}


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


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
        "missed_thresholds": results.missed_thresholds if results else [],
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
        "params": log.eval.params,
    }
