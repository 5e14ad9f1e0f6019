"""`read_dataset` and `check_dataset`: a suite's `dataset:` mapping to samples, or to problems.

The reader is chosen through the registry (kind `dataset`): by the spec key `samples`,
`example` or `hf`, or by the file extension of `path`. Adding a format is one module in
`readers/` that registers itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import registry
from ._dataset import Dataset
from ._errors import DatasetError
from ._fields import make_converter
from ._files import resolve_files
from ._images import is_url, resolve_images
from ._source import _COMPRESSION, RecordSource

SOURCE_KEYS = ("path", "samples", "example", "hf")
# A Python task's dataset is a Dataset object, not a spec: `{OBJECT_KEY: dataset}`.
OBJECT_KEY = "object"
CHECKED_RECORDS = 100


def read_dataset(spec: Mapping[str, Any], base_dir: Path) -> Dataset:
    """The dataset a suite's (interpolated) `dataset:` mapping describes.

    Opens the source and resolves `record_to_sample` now, so a missing file or function
    fails here; records are read when the dataset is iterated. Raises DatasetError.
    """
    if not isinstance(spec, Mapping):
        raise DatasetError("expected a mapping with one of: " + ", ".join(SOURCE_KEYS))
    if isinstance(spec.get(OBJECT_KEY), Dataset):  # a Python task's, already made
        made: Dataset = spec[OBJECT_KEY]
        return made
    shuffle, limit = _shuffle(spec.get("shuffle")), _limit(spec.get("limit"))
    source = open_source(spec, base_dir)
    return Dataset(source, make_converter(spec, base_dir), shuffle=shuffle, limit=limit)


def open_source(spec: Mapping[str, Any], base_dir: Path) -> RecordSource:
    """The record source of a spec, through the reader registered for its key."""
    key = reader_key(spec)
    try:
        info = registry.resolve("dataset", key)
    except registry.UnknownNameError:
        info = None
    if info is None or not info.metadata.get("reader"):
        known = sorted(
            n for n in registry.registered_names("dataset")
            if registry.resolve("dataset", n).metadata.get("file_format")
        )
        what = f"unsupported file type '.{key}'" if key else "no file extension to tell the format"
        raise DatasetError(f"{spec['path']}: {what} (supported: {', '.join(known)})")
    source: RecordSource = info.obj(spec, base_dir)
    return source


def reader_key(spec: Mapping[str, Any]) -> str:
    """`samples`, `example`, `hf`, or the format extension of `path` (`x.jsonl.gz` -> jsonl)."""
    keys = [k for k in SOURCE_KEYS if spec.get(k) is not None]
    if not keys:
        raise DatasetError("give one of: " + ", ".join(SOURCE_KEYS))
    if len(keys) > 1:
        raise DatasetError(f"give only one of: {', '.join(keys)}")
    if keys[0] != "path":
        return keys[0]
    name = Path(str(spec["path"]).split("?", 1)[0]).name
    if Path(name).suffix in _COMPRESSION:
        name = Path(name).stem
    return Path(name).suffix.lstrip(".").lower()


def _shuffle(value: Any) -> bool | int | None:
    if value is None or isinstance(value, bool | int):
        return value  # type: ignore[no-any-return]
    raise DatasetError(f"shuffle: expected true, false or an integer seed, got {value!r}")


def _limit(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise DatasetError(f"limit: expected a number of samples, got {value!r}")


@dataclass
class DatasetScan:
    """What reading a dataset's records found: problems (each kind once, at its first
    record), metadata keys, sample ids, and whether every record was read."""

    problems: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    count: int = 0
    complete: bool = False
    dataset: Dataset | None = None  # as opened for the scan: a run reads this one


def check_dataset(
    spec: Mapping[str, Any], base_dir: Path, sandboxed: bool = False
) -> tuple[list[str], set[str]]:
    """Problems of a dataset spec and its samples' metadata keys (see `scan_dataset`)."""
    scan = scan_dataset(spec, base_dir, sandboxed)
    return scan.problems, scan.keys


def scan_dataset(spec: Mapping[str, Any], base_dir: Path, sandboxed: bool = False
                 ) -> DatasetScan:
    """Open the dataset as a run does and convert its records, as a run would.

    A local file or inline samples are read to the end, so a bad record far down fails
    here rather than mid-run; a remote source (a URL, Hugging Face) only its first
    CHECKED_RECORDS. Metadata keys are the variables that templates may use. `sandboxed`
    says whether the task has a sandbox (samples with files or a setup script need one).
    """
    scan = DatasetScan()
    try:
        dataset = read_dataset(spec, base_dir)
    except DatasetError as ex:
        scan.problems.append(str(ex))
        return scan
    scan.dataset = dataset
    source, convert = dataset.source, dataset.convert
    local = not is_url(source.location) and not source.location.startswith("hf:")
    problems: dict[str, str] = {}
    ids: set[int | str] = set()
    records = source.records()
    scan.complete = True
    try:
        for record in records:
            try:
                for sample in convert(record):
                    scan.count += 1
                    _check_id(sample.id, scan.count, ids, record.where, problems)
                    resolve_images(sample.input, source.images, record.where)
                    resolve_files(sample, source.images, record.where)
                    _check_sandbox(sample, sandboxed, base_dir, record.where, problems)
                    scan.keys.update((sample.metadata or {}).keys())
            except DatasetError as ex:
                problems.setdefault(ex.key, str(ex))
            except Exception as ex:  # a converter failing in a way nobody foresaw
                problems.setdefault(f"convert:{type(ex).__name__}",
                                    f"{record.where}: {type(ex).__name__}: {ex}")
            if not local and scan.count >= CHECKED_RECORDS:
                scan.complete = False
                break
    except DatasetError as ex:  # the file itself is unreadable from here on
        problems.setdefault(ex.key, str(ex))
    except OSError as ex:
        problems.setdefault("read", f"{source.location}: cannot read: {ex}")
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()
    if scan.count == 0 and not problems:
        problems["empty"] = f"{source.location}: no records"
    scan.problems = list(problems.values())
    scan.ids = {str(i) for i in ids}
    return scan


def _check_id(
    sample_id: Any, position: int, ids: set[int | str], where: str, problems: dict[str, str]
) -> None:
    if sample_id is None:
        sample_id = position
    if sample_id in ids:
        problems.setdefault("dup", f"{where}: duplicate sample id {sample_id!r}")
    ids.add(sample_id)


def _check_sandbox(
    sample: Any, sandboxed: bool, base_dir: Path, where: str, problems: dict[str, str]
) -> None:
    from ..sandbox import spec_problems
    from ..sandbox._lifecycle import no_sandbox_message

    if sample.sandbox is not None:
        for problem in spec_problems(sample.sandbox, base_dir):
            problems.setdefault(f"sandbox:{problem}", f"{where}: {problem}")
    elif not sandboxed and (sample.files or sample.setup):
        what = "files" if sample.files else "a setup script"
        problems.setdefault("no-sandbox", f"{where}: {no_sandbox_message(what)}")
