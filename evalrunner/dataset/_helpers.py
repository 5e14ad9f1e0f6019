"""Inspect's dataset helpers, over the readers a suite's `dataset:` uses.

`json_dataset`, `csv_dataset`, `hf_dataset` and `example_dataset` open their source as
`dataset: {path: ...}` (or `hf:`, `example:`) would, so a Python task's dataset streams,
hashes and locates its bad records the same way. A relative path is found beside the task
file being loaded (else the working folder), as a suite's is beside the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..template import suite_folder
from ._dataset import Dataset
from ._fields import Converter, FieldMapping, callable_converter
from ._read import open_source
from ._sample import Sample
from ._source import Record

RecordToSample = Callable[[dict[str, Any]], Sample | list[Sample]]


@dataclass
class FieldSpec:
    """Which record fields hold each part of a sample (Inspect's `FieldSpec`)."""

    input: str = "input"
    target: str = "target"
    choices: str = "choices"
    id: str = "id"
    metadata: list[str] | None = None
    sandbox: str = "sandbox"
    files: str = "files"
    setup: str = "setup"

    def mapping(self) -> dict[str, Any]:
        """As a suite's `fields:` mapping (only the names that differ from the default, so
        a record without, say, `choices` is not an error)."""
        out: dict[str, Any] = {k: v for k, v in vars(self).items()
                               if k != "metadata" and v != k}
        if self.metadata is not None:
            out["metadata"] = list(self.metadata)
        return out


class MemoryDataset(Dataset):
    """A dataset of samples made in Python (Inspect's `MemoryDataset`)."""

    def __init__(self, samples: Iterable[Sample | dict[str, Any]], name: str | None = None,
                 location: str | None = None, shuffled: bool = False) -> None:
        made = Dataset.from_samples(samples, name or "samples")
        super().__init__(made.source, made.convert)
        if location is not None:
            self.location = location
        self.shuffled = shuffled


def json_dataset(
    json_file: str, sample_fields: FieldSpec | RecordToSample | None = None,
    auto_id: bool = False, shuffle: bool = False, seed: int | None = None,
    limit: int | None = None, name: str | None = None,
) -> Dataset:
    """Samples of a JSON Lines file (`.jsonl`) or a JSON array (`.json`)."""
    return _file({"path": json_file}, sample_fields, auto_id, shuffle, seed, limit, name)


def csv_dataset(
    csv_file: str, sample_fields: FieldSpec | RecordToSample | None = None,
    auto_id: bool = False, shuffle: bool = False, seed: int | None = None,
    limit: int | None = None, name: str | None = None,
) -> Dataset:
    """Samples of a CSV file with a header row (`.tsv`: tab separated)."""
    return _file({"path": csv_file}, sample_fields, auto_id, shuffle, seed, limit, name)


def hf_dataset(
    path: str, split: str, name: str | None = None, data_dir: str | None = None,
    revision: str | None = None, sample_fields: FieldSpec | RecordToSample | None = None,
    auto_id: bool = False, shuffle: bool = False, seed: int | None = None,
    limit: int | None = None, trust: bool = False, **kwargs: Any,
) -> Dataset:
    """Samples of one split of a Hugging Face dataset (needs the `hf` extra)."""
    options = {"path": path, "split": split, "name": name, "data_dir": data_dir,
               "revision": revision, "trust": trust, **kwargs}
    spec = {"hf": {k: v for k, v in options.items() if v is not None}}
    return _file(spec, sample_fields, auto_id, shuffle, seed, limit, None)


def example_dataset(name: str, sample_fields: FieldSpec | RecordToSample | None = None
                    ) -> Dataset:
    """One of the example datasets shipped with evalrunner (`security_guide`, ...)."""
    return _file({"example": name}, sample_fields, False, False, None, None, None)


def _file(
    spec: dict[str, Any], fields: FieldSpec | RecordToSample | None, auto_id: bool,
    shuffle: bool, seed: int | None, limit: int | None, name: str | None,
) -> Dataset:
    base_dir = suite_folder() or Path.cwd()
    convert = _converter(fields)
    if auto_id:
        convert = _numbered(convert)
    order: bool | int | None = (seed if seed is not None else True) if shuffle else None
    dataset = Dataset(open_source(spec, base_dir), convert, shuffle=order, limit=limit)
    if name is not None:
        dataset.name = name
    return dataset


def _converter(fields: FieldSpec | RecordToSample | None) -> Converter:
    if fields is None:
        return FieldMapping({})
    if isinstance(fields, FieldSpec):
        return FieldMapping(fields.mapping())
    return callable_converter(fields)


def _numbered(convert: Converter) -> Converter:
    """`auto_id`: ids are positions, whatever the records say."""

    def renumber(record: Record) -> list[Sample]:
        samples = convert(record)
        for sample in samples:
            sample.id = None  # the dataset numbers samples without an id
        return samples

    return renumber


def as_dataset(value: Any) -> Dataset:
    """A Task's `dataset=`: a Dataset, or samples (Sample objects or mappings)."""
    if isinstance(value, Dataset):
        return value
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return MemoryDataset(value)
    raise TypeError(f"dataset: expected a Dataset or a list of samples, got "
                    f"{type(value).__name__}")
