"""A dataset: a re-iterable stream of samples with what a log records about it."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from ._fields import Converter, FieldMapping
from ._files import resolve_files
from ._images import resolve_images
from ._sample import Sample
from ._source import ListSource, Record, RecordSource

_Item = tuple[Sample, Record]


class Dataset:
    """Samples read on demand from a source, numbered, optionally shuffled and limited.

    Iterating streams: a file is read record by record unless `shuffle` needs them all.
    Each iteration reads the source afresh and yields the same samples in the same order
    (a shuffle is seeded, and the seed is kept in `seed` so a log can reproduce it).
    """

    def __init__(
        self,
        source: RecordSource,
        convert: Converter | None = None,
        shuffle: bool | int | None = None,
        limit: int | None = None,
    ) -> None:
        self._source = source
        self._convert: Converter = convert or FieldMapping({})
        self.name: str = source.name
        self.location: str = source.location
        self.shuffled = shuffle is not None and shuffle is not False
        self.seed: int | None = None
        if isinstance(shuffle, int) and not isinstance(shuffle, bool):
            self.seed = shuffle
        elif self.shuffled:
            # Pick a seed now rather than shuffling unseeded, so the order can be replayed.
            self.seed = random.SystemRandom().randrange(2**31)
        self.limit = limit
        self._count: int | None = None

    @classmethod
    def from_samples(cls, samples: Iterable[Sample | dict[str, Any]], name: str = "samples") \
            -> Dataset:
        """A dataset of samples built in Python (inputs with image paths are left as they are)."""
        dumped = [
            s.model_dump(exclude_none=True) if isinstance(s, Sample) else dict(s) for s in samples
        ]
        records = [Record(d, f"samples[{i}]") for i, d in enumerate(dumped)]
        return cls(ListSource(name, "inline", records, dumped))

    @property
    def hash(self) -> str:
        """sha256 of the source bytes (or of the inline samples' canonical JSON)."""
        return self._source.fingerprint()

    @property
    def samples(self) -> Iterator[Sample]:
        """A fresh stream of the samples."""
        return iter(self)

    def __iter__(self) -> Iterator[Sample]:
        items: Iterator[_Item] = self._numbered()
        if self.shuffled:
            everything = list(items)
            random.Random(self.seed).shuffle(everything)
            items = iter(everything)
        if self.limit is not None:
            items = islice(items, self.limit)
        # Images are read last, so samples cut by the limit never read theirs.
        for sample, record in items:
            resolve_images(sample.input, self._source.images, record.where)
            resolve_files(sample, self._source.images, record.where)
            yield sample

    def __len__(self) -> int:
        if self._count is None:
            if isinstance(self._convert, FieldMapping):
                self._count = self._source.count()  # one sample per record
            else:
                self._count = sum(len(self._convert(r)) for r in self._source.records())
        return self._count if self.limit is None else min(self._count, self.limit)

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, location={self.location!r})"

    def _numbered(self) -> Iterator[_Item]:
        """Samples in source order; those without an id get their 1-based position."""
        position = 0
        for record in self._source.records():
            for sample in self._convert(record):
                position += 1
                if sample.id is None:
                    sample.id = position
                yield sample, record
