"""Where records come from: a source streams dicts and knows how many there are and their hash.

File formats share `FileSource`, which opens any fsspec URL, hashes the raw bytes as they
stream past (so the hash costs no second read when the file is read through) and hands a
text stream to the format's parser; a format module only has to turn text into records.
A file of at most KEEP_BYTES is kept in memory once read through: the checks before a run
read it, and the run's count, hash and samples come from those same bytes (one open, and
the run reads exactly what was checked even if the file changes meanwhile). A larger file
streams, record by record, on each pass.
"""

from __future__ import annotations

import hashlib
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._errors import DatasetError
from ._images import ImageFolder, is_url

__all__ = [
    "DatasetError",
    "FileSource",
    "ListSource",
    "Record",
    "RecordSource",
    "file_reader",
    "is_url",
]

# Compression suffixes that fsspec knows; `x.jsonl.gz` is read as jsonl.
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".lzma": "lzma", ".zst": "zstd"}
# Larger files are read afresh by each pass rather than held for the whole run.
KEEP_BYTES = 2 << 20


@dataclass(frozen=True)
class Record:
    """One record of a dataset and where it was read (`data/x.jsonl:12`) for messages."""

    data: dict[str, Any]
    where: str


class RecordSource(ABC):
    """Records of one dataset; `records()` may be called more than once."""

    name: str
    location: str
    images: ImageFolder | None = None

    @abstractmethod
    def records(self) -> Iterator[Record]:
        """Stream the records in order."""

    @abstractmethod
    def count(self) -> int:
        """The number of records (may read the source once)."""

    @abstractmethod
    def fingerprint(self) -> str:
        """A sha256 that changes when the records change."""


class ListSource(RecordSource):
    """Records held in memory (inline samples), hashed as canonical JSON."""

    def __init__(
        self, name: str, location: str, records: list[Record], canonical: Any,
        images: ImageFolder | None = None,
    ) -> None:
        self.name = name
        self.location = location
        self.images = images
        self._records = records
        text = json.dumps(
            canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        )
        self._hash = hashlib.sha256(text.encode("utf-8")).hexdigest()

    def records(self) -> Iterator[Record]:
        return iter(self._records)

    def count(self) -> int:
        return len(self._records)

    def fingerprint(self) -> str:
        return self._hash


Parser = Callable[[IO[str], str], Iterator[Record]]
Counter = Callable[[IO[str]], int]


class FileSource(RecordSource):
    """A file at a local path or fsspec URL, parsed by a format's `parse(text, display)`."""

    def __init__(self, url: str, display: str, parse: Parser, count: Counter | None = None) -> None:
        import fsspec

        try:
            self._fs, self._path = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as ex:
            # fsspec names the missing package (s3fs, gcsfs, ...) in its message.
            raise DatasetError(f"{display}: cannot open: {ex}", key="open") from None
        try:
            found = self._fs.isfile(self._path)
        except OSError as ex:  # a remote filesystem that cannot be reached or read
            raise DatasetError(f"{display}: cannot open: {ex}", key="open") from None
        if not found:
            raise DatasetError(f"{display}: file not found ({url})", key="missing")
        self.name = _stem(self._path)
        self.location = url
        self.display = display
        self.images = ImageFolder(self._fs, self._fs._parent(self._path), display)
        self._parse = parse
        self._count_text = count
        self._count: int | None = None
        self._hash: str | None = None
        self._kept: bytes | None = None  # the whole file, once read through (if small)

    def records(self) -> Iterator[Record]:
        n = 0
        with self._open() as (text, hasher), self._decoding():
            for record in self._parse(text, self.display):
                n += 1
                yield record
            self._read_through(hasher, n)

    def count(self) -> int:
        if self._count is None:
            with self._open() as (text, hasher), self._decoding():
                if self._count_text is not None:
                    n = self._count_text(text)
                else:
                    n = sum(1 for _ in self._parse(text, self.display))
                self._read_through(hasher, n)
        assert self._count is not None
        return self._count

    def _read_through(self, hasher: _HashingReader, count: int) -> None:
        """A whole pass ended: its hash, record count and (a small file's) bytes."""
        if self._kept is None:
            self._hash = hasher.finish()
            self._kept = hasher.kept()
        self._count = count

    @contextmanager
    def _decoding(self) -> Iterator[None]:
        try:
            yield
        except UnicodeDecodeError as ex:
            raise DatasetError(f"{self.display}: not UTF-8 text ({ex})", key="encoding") from None

    def fingerprint(self) -> str:
        if self._hash is None:
            self.count()  # one pass computes both
        assert self._hash is not None
        return self._hash

    def _open(self) -> _Opened:
        compression = _COMPRESSION.get(Path(self._path).suffix)
        if self._kept is not None:
            return _Opened(io.BytesIO(self._kept), compression, keep=False)
        return _Opened(self._fs.open(self._path, "rb"), compression, keep=self._small())

    def _small(self) -> bool:
        """Whether the file is small enough to keep (a size the filesystem cannot tell: no)."""
        try:
            size = self._fs.size(self._path)
        except (OSError, ValueError, NotImplementedError):
            return False
        return isinstance(size, int) and size <= KEEP_BYTES


class _Opened:
    """A context that yields (text stream, hasher) over a binary file and closes both."""

    def __init__(self, raw: IO[bytes], compression: str | None, keep: bool) -> None:
        self._raw = raw
        self._hasher = _HashingReader(raw, keep)
        binary: IO[bytes] = io.BufferedReader(self._hasher, 1 << 16)
        if compression is not None:
            from fsspec.compression import compr

            binary = compr[compression](binary, mode="rb")
        # utf-8-sig drops a byte-order mark; newline="" keeps csv's quoted newlines intact.
        self._text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")

    def __enter__(self) -> tuple[IO[str], _HashingReader]:
        return self._text, self._hasher

    def __exit__(self, *exc: object) -> None:
        try:
            self._text.close()
        finally:
            self._raw.close()


class _HashingReader(io.RawIOBase):
    """Passes bytes through while hashing them (and keeping them, if told)."""

    def __init__(self, raw: IO[bytes], keep: bool) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self._chunks: list[bytes] | None = [] if keep else None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._pass(data)
        return n

    def _pass(self, data: bytes) -> None:
        self._sha.update(data)
        if self._chunks is not None:
            self._chunks.append(data)

    def finish(self) -> str:
        """Hash whatever the parser left unread, then return the hex digest."""
        while chunk := self._raw.read(1 << 16):
            self._pass(chunk)
        return self._sha.hexdigest()

    def kept(self) -> bytes | None:
        """Every byte read, if told to keep them; call after `finish`."""
        return b"".join(self._chunks) if self._chunks is not None else None


def _stem(path: str) -> str:
    name = Path(path).name
    if Path(name).suffix in _COMPRESSION:  # x.jsonl.gz -> x
        name = Path(name).stem
    return Path(name).stem


def resolve_location(path: str, base_dir: Path) -> str:
    """A local path relative to the suite folder, or a URL as written."""
    if is_url(path):
        return path
    return str((base_dir / Path(path).expanduser()).resolve())


def file_reader(parse: Parser, count: Counter | None = None) -> Callable[..., RecordSource]:
    """A reader for a file format: `reader(spec, base_dir)` opens `spec['path']`."""

    def read(spec: Mapping[str, Any], base_dir: Path) -> RecordSource:
        path = str(spec["path"])
        return FileSource(resolve_location(path, base_dir), path, parse, count)

    return read
