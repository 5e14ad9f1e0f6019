"""Datasets from YAML through the CLI: an HF dataset saved to disk, --limit ranges,
--sample-id, seeded shuffles recorded in the log, the bundled examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalrunner.dataset import read_dataset
from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli, write
from tests.extras import needs_extra


def _log(log_dir: Path) -> EvalLog:
    [file] = list(log_dir.glob("*.json"))
    return read_eval_log(file)


def _run(tmp_path: Path, suite: Path, *extra: str) -> EvalLog:
    logs = tmp_path / f"logs{len(list(tmp_path.glob('logs*')))}"
    result = run_cli("run", str(suite), "--log-dir", str(logs), *extra)
    assert result.returncode == 0, result.stderr
    return _log(logs)


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A DatasetDict written with save_to_disk into `saved/` beside the suite."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    rows = [{"question": f"Q{i}?", "answer": f"A{i}", "level": i % 2} for i in range(5)]
    split = datasets.Dataset.from_list(rows)
    datasets.DatasetDict({"test": split, "train": split.select([0])}).save_to_disk(
        str(tmp_path / "saved")
    )
    return tmp_path


@needs_extra("hf-datasets", "datasets")
def test_hf_dataset_saved_to_disk(saved: Path) -> None:
    spec = {"hf": {"path": "saved", "split": "test"},
            "fields": {"input": "question", "target": "answer", "metadata": ["level"]}}
    samples = list(read_dataset(spec, saved))
    assert [s.input for s in samples] == ["Q0?", "Q1?", "Q2?", "Q3?", "Q4?"]
    assert samples[1].target == "A1" and samples[1].metadata == {"level": 1}
    assert len(list(read_dataset({**spec, "hf": {"path": "saved", "split": "train"}}, saved)))\
        == 1


@needs_extra("hf-datasets", "datasets")
def test_hf_saved_dataset_runs_from_yaml(saved: Path) -> None:
    suite = write(saved / "hf.yml", (
        "model: mockllm/model\n"
        "tasks:\n"
        "  - name: hf\n"
        "    dataset:\n"
        "      hf: {path: saved, split: test}\n"
        "      fields: {input: question, target: answer}\n"
        "    scorer: includes\n"
    ))
    log = _run(saved, suite)
    assert [s.input for s in log.samples] == ["Q0?", "Q1?", "Q2?", "Q3?", "Q4?"]
    assert log.eval.dataset.location == "hf:saved/test"


SUITE = """\
model: mockllm/model
tasks:
  - name: pick
    dataset:
      samples: [{input: one}, {input: two}, {input: three}, {input: four}, {input: five}]
      SHUFFLE
    scorer: includes
"""


def test_limit_range_and_sample_ids(tmp_path: Path) -> None:
    suite = write(tmp_path / "pick.yml", SUITE.replace("SHUFFLE", "limit: 4"))
    assert [s.id for s in _run(tmp_path, suite).samples] == [1, 2, 3, 4]  # auto ids from 1
    ranged = _run(tmp_path, suite, "--limit", "2-3")
    assert sorted(s.input for s in ranged.samples) == ["three", "two"]  # type: ignore[type-var]
    assert ranged.eval.limit == [2, 3]
    chosen = _run(tmp_path, suite, "--sample-id", "1,4")
    assert sorted(str(s.input) for s in chosen.samples) == ["four", "one"]


def test_seeded_shuffle_is_repeatable_and_recorded(tmp_path: Path) -> None:
    suite = write(tmp_path / "pick.yml", SUITE.replace("SHUFFLE", "shuffle: 11"))
    first, second = _run(tmp_path, suite), _run(tmp_path, suite)
    assert first.eval.dataset.shuffled and first.eval.dataset.seed == 11
    assert {s.id: s.input for s in first.samples} == {s.id: s.input for s in second.samples}
    words = [{"input": w} for w in ["one", "two", "three", "four", "five"]]
    order = [s.input for s in read_dataset({"samples": words, "shuffle": 11}, tmp_path)]
    again = [s.input for s in read_dataset({"samples": words, "shuffle": 11}, tmp_path)]
    assert order == again and sorted(order) == sorted(w["input"] for w in words)  # type: ignore[type-var]
    assert order != [w["input"] for w in words]


@pytest.mark.parametrize(("name", "count"), [("security_guide", 16), ("theory_of_mind", 20)])
def test_bundled_examples_from_yaml(tmp_path: Path, name: str, count: int) -> None:
    suite = write(tmp_path / "ex.yml", (
        "model: mockllm/model\n"
        "tasks:\n"
        f"  - name: {name}\n"
        f"    dataset: {{example: {name}}}\n"
        "    scorer: includes\n"
    ))
    log = _run(tmp_path, suite, "--limit", "3")
    assert len(log.samples) == 3 and log.eval.dataset.location == f"example:{name}"
    assert all(s.target for s in log.samples)
