"""Inline samples written in the suite: `dataset: {samples: [{input: ..., target: ...}]}`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...registry import register
from .._errors import DatasetError
from .._images import ImageFolder
from .._source import ListSource, Record, RecordSource


def read_samples(spec: Mapping[str, Any], base_dir: Path) -> RecordSource:
    """Records from the list itself; image paths are relative to the suite folder."""
    items = spec["samples"]
    if not isinstance(items, list):
        raise DatasetError("samples: expected a list of samples")
    records: list[Record] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise DatasetError(
                f"samples[{index}]: expected a mapping (input, target, ...), "
                f"found {type(item).__name__}"
            )
        records.append(Record(dict(item), f"samples[{index}]"))
    folder = ImageFolder.local(base_dir, "the suite")
    return ListSource("samples", "inline", records, items, folder)


register("dataset", "samples", read_samples, reader=True)
