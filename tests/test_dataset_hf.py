"""The Hugging Face reader, with the real `datasets` library loading local files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from evalrunner.dataset import DatasetError, check_dataset, read_dataset
from tests.extras import needs_extra


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    # Everything below reads local files; make sure nothing reaches for the hub.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    rows = [{"ctx": f"Story {i}.", "label": i % 4, "endings": ["a", "b", "c", "d"]}
            for i in range(6)]
    data = tmp_path / "stories.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return data


def hf_spec(data: Path, **extra: object) -> dict[str, object]:
    options = {"path": "json", "data_files": str(data), "split": "train",
               "cache_dir": str(data.parent / "cache"), **extra}
    return {"hf": options}


@needs_extra("hf-datasets", "datasets")
def test_hf_dataset_with_field_mapping(offline: Path) -> None:
    spec = {**hf_spec(offline), "fields": {"input": "ctx", "choices": "endings",
                                           "target": "{{ 'ABCD'[label] }}"}}
    dataset = read_dataset(spec, offline.parent)
    samples = list(dataset)
    assert len(dataset) == 6
    assert [s.target for s in samples] == ["A", "B", "C", "D", "A", "B"]
    assert samples[0].choices == ["a", "b", "c", "d"]
    assert [s.id for s in samples] == [1, 2, 3, 4, 5, 6]
    assert dataset.location == "hf:json/train"
    assert len(dataset.hash) == 64
    assert read_dataset(spec, offline.parent).hash == dataset.hash


@needs_extra("hf-datasets", "datasets")
def test_hf_split_must_be_chosen_when_several(offline: Path) -> None:
    spec = hf_spec(offline, split=None,
                   data_files={"train": str(offline), "test": str(offline)})
    with pytest.raises(DatasetError, match=r"give a split \(one of: train, test\)"):
        read_dataset(spec, offline.parent)


@needs_extra("hf-datasets", "datasets")
def test_hf_load_failure_is_a_dataset_error(offline: Path) -> None:
    spec = hf_spec(offline, data_files=str(offline.parent / "absent.jsonl"))
    problems, _ = check_dataset(spec, offline.parent)
    assert len(problems) == 1 and problems[0].startswith("hf json: cannot load:")


def test_hf_without_the_datasets_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(DatasetError, match=r"needs the 'datasets' package \(pip install "
                                           r"'evalrunner\[hf\]'\)"):
        read_dataset({"hf": {"path": "anything", "split": "train"}}, tmp_path)


def test_hf_needs_a_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"hf: give the dataset's path"):
        read_dataset({"hf": {"split": "train"}}, tmp_path)
