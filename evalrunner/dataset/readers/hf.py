"""Hugging Face datasets: `dataset: {hf: {path: ..., name: ..., split: ..., trust: false}}`.

Needs the optional `datasets` package (the `hf` extra), imported only when used. Other keys
pass through to `datasets.load_dataset` (`data_files`, `revision`, `cache_dir`, ...).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ...registry import register
from .._errors import DatasetError
from .._images import ImageFolder
from .._source import Record, RecordSource

INSTALL_HINT = "pip install 'evalrunner[hf]'"


class HFSource(RecordSource):
    """The rows of one split of a loaded Hugging Face dataset."""

    def __init__(self, options: Mapping[str, Any], base_dir: Path) -> None:
        options = dict(options)
        path = options.pop("path", None)
        if not isinstance(path, str) or not path:
            raise DatasetError("hf: give the dataset's path (hf: {path: ..., split: ...})")
        trust = bool(options.pop("trust", False))
        if trust:
            options["trust_remote_code"] = True
        self._rows = _load(path, options, base_dir)
        self._display = f"hf {path}"
        self.name = path.rstrip("/").rsplit("/", 1)[-1]
        self.location = f"hf:{path}" + "".join(
            f"/{options[k]}" for k in ("name", "split") if options.get(k)
        )
        self.images = ImageFolder.local(base_dir, "the suite")
        fingerprint = getattr(self._rows, "_fingerprint", None) or json.dumps(
            options, sort_keys=True, default=str
        )
        self._hash = hashlib.sha256(f"{self.location}|{fingerprint}".encode()).hexdigest()

    def records(self) -> Iterator[Record]:
        for index, row in enumerate(self._rows):
            yield Record(dict(row), f"{self._display}: row {index + 1}")

    def count(self) -> int:
        try:
            return len(self._rows)
        except TypeError:  # a streaming dataset only knows its size once read through
            return sum(1 for _ in self._rows)

    def fingerprint(self) -> str:
        return self._hash


def _load(path: str, options: dict[str, Any], base_dir: Path) -> Any:
    try:
        import datasets
    except ImportError:
        raise DatasetError(
            f"hf: reading Hugging Face datasets needs the 'datasets' package ({INSTALL_HINT})",
            key="hf-missing",
        ) from None
    saved = _saved_folder(path, base_dir)
    split = options.get("split")
    try:
        if saved is not None:  # written by save_to_disk, which load_dataset refuses to read
            loaded = datasets.load_from_disk(str(saved))
        else:
            loaded = datasets.load_dataset(path, **options)
        if saved is not None and split is not None and isinstance(loaded, datasets.DatasetDict):
            loaded = loaded[split]
    except Exception as ex:  # the library raises many kinds; all mean "cannot load"
        raise DatasetError(f"hf {path}: cannot load: {type(ex).__name__}: {ex}") from None
    if isinstance(loaded, datasets.DatasetDict | datasets.IterableDatasetDict):
        splits = list(loaded)
        if len(splits) != 1:
            raise DatasetError(f"hf {path}: give a split (one of: {', '.join(splits)})")
        return loaded[splits[0]]
    return loaded


def _saved_folder(path: str, base_dir: Path) -> Path | None:
    """A local folder holding a dataset saved with `save_to_disk` (relative to the suite)."""
    folder = Path(path) if Path(path).is_absolute() else base_dir / path
    markers = ("dataset_dict.json", "state.json")
    return folder if any((folder / m).is_file() for m in markers) else None


def read_hf(spec: Mapping[str, Any], base_dir: Path) -> RecordSource:
    options = spec["hf"]
    if isinstance(options, str):
        options = {"path": options}
    if not isinstance(options, Mapping):
        raise DatasetError("hf: expected a mapping (path, name, split, trust, ...)")
    return HFSource(options, base_dir)


register("dataset", "hf", read_hf, reader=True)
