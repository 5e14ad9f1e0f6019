"""Where each sample line of a log file starts, so a page of samples costs O(page).

A log has one sample per line (see `evalrunner.log._file`). Indexing a file is one pass
over its bytes looking for newlines, plus a peek at each line's first bytes for the
sample's id and epoch (a sample line is written id first). The index is kept per file
and keyed by inode, size and mtime: an unchanged file costs one `stat`, a file a running
eval appended to is scanned only past what was already indexed, and a rewritten file
(`evalrunner score` replaces it) is indexed again.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis._compare import natural_key
from ..log._file import SAMPLES_OPEN, parse_trailer

_CHUNK = 4 * 1024 * 1024
_ID_EPOCH = re.compile(rb',?\{"id":("(?:[^"\\]|\\.)*"|-?\d+),"epoch":(\d+)')


@dataclass
class SampleFacts:
    """What the filters and sorting look at, read once per sample line."""

    scores: dict[str, str]
    error: bool
    metadata: dict[str, str] = field(default_factory=dict)  # flattened scalar values, as text
    tokens: int = 0
    time: float | None = None


@dataclass
class LogIndex:
    """Byte ranges of a log's sample lines, in file order (the order samples finished)."""

    path: Path
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    keys: list[tuple[int, Any, int]] = field(default_factory=list)  # sort keys
    facts: list[SampleFacts] = field(default_factory=list)  # built on demand
    trailer: dict[str, Any] | None = None
    lines_format: bool = True  # False: a plain JSON log, held in memory instead
    memory: list[dict[str, Any]] = field(default_factory=list)
    _order: list[int] = field(default_factory=list)
    _scanned: int = 0
    _stamp: tuple[int, int, int] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return len(self.keys)

    def order(self) -> list[int]:
        """Sample positions sorted by id then epoch (recomputed only when samples came in)."""
        if len(self._order) != self.count:
            self._order = sorted(range(self.count), key=self.keys.__getitem__)
        return self._order

    def refresh(self) -> bool:
        """Bring the index up to date with the file; True when it changed."""
        st = os.stat(self.path)
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp == self._stamp:
            return False
        if self._stamp is not None and (
            not self.lines_format or st.st_ino != self._stamp[0] or st.st_size < self._scanned
        ):
            self._reset()  # rewritten, not appended to: index it again
        with open(self.path, "rb") as f:
            if self._scanned == 0 and not self._read_header(f):
                self._load_whole(f)
            elif self.lines_format:
                self._scan(f, st.st_size)
        self._stamp = stamp
        return True

    def _reset(self) -> None:
        self.starts, self.ends, self.keys, self.facts, self.memory = [], [], [], [], []
        self._order = []
        self.trailer, self.lines_format, self._scanned = None, True, 0

    def _read_header(self, f: Any) -> bool:
        first = f.readline()
        if not first.endswith(b"\n"):
            return True  # the header itself is still being written: index nothing yet
        if not first.rstrip(b"\n").endswith(SAMPLES_OPEN.encode()):
            return False
        self._scanned = len(first)
        return True

    def _load_whole(self, f: Any) -> None:
        """A log written as one JSON document (by hand or another tool): keep it in memory."""
        f.seek(0)
        data = json.load(f)
        self.lines_format = False
        self.memory = list(data.get("samples") or [])
        self.keys = [
            _sort_key(s.get("id"), s.get("epoch", 1), i) for i, s in enumerate(self.memory)
        ]
        self.trailer = {k: v for k, v in data.items() if k in ("status", "results", "stats")}

    def _scan(self, f: Any, size: int) -> None:
        """Index complete lines from where the last scan stopped (a torn line waits)."""
        pos = self._scanned
        f.seek(pos)
        carry = b""
        while self.trailer is None:
            chunk = f.read(min(_CHUNK, max(0, size - pos - len(carry))))
            if not chunk:
                break
            buf = carry + chunk
            start = 0
            while (nl := buf.find(b"\n", start)) != -1:
                self._add_line(buf, start, nl, pos)
                start = nl + 1
            pos += start
            carry = buf[start:]
        self._scanned = pos

    def _add_line(self, buf: bytes, start: int, end: int, base: int) -> None:
        head = buf[start : min(end, start + 2)]
        if head.startswith(b"],"):
            self.trailer = parse_trailer(buf[start:end].decode("utf-8", errors="replace"))
            return
        if not head.strip():
            return
        match = _ID_EPOCH.match(buf, start, min(end, start + 512))
        if match is not None:
            raw_id = match.group(1)
            sample_id: Any = json.loads(raw_id) if raw_id.startswith(b'"') else int(raw_id)
            epoch = int(match.group(2))
        else:  # a writer that does not put id first: parse the line once
            try:
                data = json.loads(_strip(buf[start:end]))
            except json.JSONDecodeError:
                return  # a line torn by a crash, then appended to: not a sample
            sample_id, epoch = data.get("id"), data.get("epoch", 1)
        self.starts.append(base + start)
        self.ends.append(base + end)
        self.keys.append(_sort_key(sample_id, epoch, len(self.keys)))

    def read(self, n: int) -> dict[str, Any]:
        """Sample `n` (its position in the file) as JSON data."""
        if not self.lines_format:
            return self.memory[n]
        with open(self.path, "rb") as f:
            return _read_at(f, self.starts[n], self.ends[n])

    def read_many(self, ns: list[int]) -> list[dict[str, Any]]:
        if not self.lines_format:
            return [self.memory[n] for n in ns]
        with open(self.path, "rb") as f:
            return [_read_at(f, self.starts[n], self.ends[n]) for n in ns]

    def raw_lines(self) -> list[bytes]:
        """Every indexed sample line as bytes (for text search), read in one pass."""
        if not self.lines_format:
            return [json.dumps(s, ensure_ascii=False).encode() for s in self.memory]
        if not self.starts:
            return []
        with open(self.path, "rb") as f:
            f.seek(self.starts[0])
            blob = f.read(self.ends[-1] - self.starts[0])
        first = self.starts[0]
        return [blob[s - first : e - first] for s, e in zip(self.starts, self.ends, strict=True)]

    def ensure_facts(self) -> None:
        """Read score values and errors of the samples not read yet (for the filters)."""
        todo = list(range(len(self.facts), self.count))
        for start in range(0, len(todo), 256):
            for data in self.read_many(todo[start : start + 256]):
                self.facts.append(facts_of(data))


def facts_of(data: dict[str, Any]) -> SampleFacts:
    scores = data.get("scores") or {}
    usage = data.get("model_usage") or {}
    return SampleFacts(
        scores={name: score_text(s) for name, s in scores.items()},
        error=data.get("error") is not None,
        metadata=_scalars(data.get("metadata") or {}, ""),
        tokens=sum(int(u.get("total_tokens") or 0) for u in usage.values()),
        time=data.get("total_time"),
    )


UNSCORED = "unscored"


def is_unscored(score: dict[str, Any]) -> bool:
    """A scorer that could not decide (a grader reply it could not parse): no value, or
    marked unscored."""
    meta = score.get("metadata") or {}
    return score.get("value") is None or bool(score.get("unscored")) or bool(
        isinstance(meta, dict) and meta.get("unscored"))


def score_text(score: dict[str, Any]) -> str:
    """A score as the filters and the page show it: its value, or `unscored`."""
    return UNSCORED if is_unscored(score) else value_text(score.get("value"))


def _scalars(value: dict[str, Any], prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, inner in value.items():
        name = f"{prefix}{key}"
        if isinstance(inner, dict):
            out.update(_scalars(inner, name + "."))
        elif inner is None or isinstance(inner, str | int | float | bool):
            text = value_text(inner) if inner is not None else "null"
            if len(text) <= 100:  # long texts are for reading, not for filtering
                out[name] = text
    return out


def value_text(value: Any) -> str:
    """A score value as the filters and the page show it."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str | int | bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _sort_key(sample_id: Any, epoch: Any, n: int) -> tuple[int, Any, int]:
    # Numbers sort before strings, and strings naturally (s2 before s10); ids that repeat
    # (epochs) keep their epoch order.
    e = epoch if isinstance(epoch, int) else 1
    if isinstance(sample_id, int):
        return (0, sample_id, e * 1_000_000_000 + n)
    return (1, natural_key(str(sample_id)), e * 1_000_000_000 + n)


def _strip(line: bytes) -> bytes:
    return line[1:] if line.startswith(b",") else line


def _read_at(f: Any, start: int, end: int) -> dict[str, Any]:
    f.seek(start)
    data: dict[str, Any] = json.loads(_strip(f.read(end - start)))
    return data
