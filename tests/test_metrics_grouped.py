"""bootstrap_std and grouped metrics: by hand, through the results, and written in YAML."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import evalrunner
from evalrunner.log import read_eval_log
from evalrunner.log._model import EvalSample
from evalrunner.registry import resolve
from evalrunner.runner._results import ScoreBook, compute_results
from evalrunner.scorers import Score
from tests.conftest import run_cli, write


def metric(name: str, *args: Any, **kwargs: Any) -> Any:
    return resolve("metric", name).obj(*args, **kwargs)


def with_group(value: Any, group: str | None) -> Score:
    meta = {"sample_metadata": {"category": group}} if group is not None else None
    return Score(value=value, metadata=meta)


def test_bootstrap_std_of_identical_values_is_zero() -> None:
    assert metric("bootstrap_std")([Score(value="C")] * 5) == 0.0
    assert metric("bootstrap_std", num_samples=1)([Score(value=v) for v in (0, 1, 5)]) == 0.0


def test_bootstrap_std_is_seeded_and_near_the_standard_error() -> None:
    values = [Score(value=v) for v in [0, 1] * 50]  # p = 0.5, n = 100
    expected = math.sqrt(0.5 * 0.5 / 100)  # the std of the mean of 100 draws: 0.05
    first = metric("bootstrap_std", num_samples=2000, seed=7)(values)
    assert first == metric("bootstrap_std", num_samples=2000, seed=7)(values)
    assert first != metric("bootstrap_std", num_samples=2000, seed=8)(values)
    assert first == pytest.approx(expected, rel=0.1)
    # The default is seeded too: scoring a log twice gives the same figure.
    assert metric("bootstrap_std")(values) == metric("bootstrap_std")(values)
    with pytest.raises(ValueError, match="num_samples"):
        metric("bootstrap_std", num_samples=0)


def test_grouped_accuracy_by_hand() -> None:
    scores = [with_group("C", "easy"), with_group("I", "easy"), with_group("C", "hard"),
              with_group("P", "hard"), with_group("I", None)]
    result = metric("grouped", by="category")(scores)
    # easy: (1 + 0) / 2; hard: (1 + 0.5) / 2; none: 0; all: 2.5 / 5
    assert result == {"easy": 0.5, "hard": 0.75, "none": 0.0, "all": 0.5}
    assert "all" not in metric("grouped", by="category", all=False)(scores)
    spread = metric("grouped", by="category", metric={"var": None})(scores)
    assert spread["easy"] == 0.5  # values 1 and 0: sample variance 0.5


def test_grouped_results_are_named_after_the_inner_metric() -> None:
    book = ScoreBook()
    for i, (value, level) in enumerate([("C", 1), ("I", 1), ("C", 2), ("C", 2)]):
        book.add(EvalSample(id=i, input="q", metadata={"level": level, "notes": ["x"]},
                            scores={"match": Score(value=value)}))
    grouped = metric("grouped", by="level", metric="mean")
    results = compute_results(book, {"match": [metric("accuracy"), grouped]}, ["mean"])
    figures = {k: m.value for k, m in results.scores[0].metrics.items()}
    assert figures == {"accuracy": 0.75, "mean/1": 0.5, "mean/2": 1.0, "mean/all": 0.75}


def test_grouping_survives_epoch_reduction() -> None:
    book = ScoreBook()
    for epoch, value in [(1, "C"), (2, "I")]:
        book.add(EvalSample(id=1, epoch=epoch, input="q", metadata={"category": "a"},
                            scores={"s": Score(value=value)}))
    book.add(EvalSample(id=2, input="q", metadata={"category": "b"},
                        scores={"s": Score(value="C")}))
    book.add(EvalSample(id=2, epoch=2, input="q", metadata={"category": "b"},
                        scores={"s": Score(value="C")}))
    results = compute_results(book, {"s": [metric("grouped", by="category")]}, ["mean"])
    figures = {k: m.value for k, m in results.scores[0].metrics.items()}
    assert figures == {"accuracy/a": 0.5, "accuracy/b": 1.0, "accuracy/all": 0.75}


def test_new_metrics_are_exported_from_the_top_level() -> None:
    assert evalrunner.bootstrap_std is resolve("metric", "bootstrap_std").obj
    assert evalrunner.grouped is resolve("metric", "grouped").obj


SUITE = """\
name: grouping
model: mockllm/model
tasks:
  - name: g
    dataset:
      samples:
        - {input: a, target: Default output, metadata: {kind: x}}
        - {input: b, target: nope, metadata: {kind: x}}
        - {input: c, target: Default output, metadata: {kind: y}}
    scorer: includes
    metrics:
      - accuracy
      - bootstrap_std: {num_samples: 200, seed: 3}
      - grouped: {by: kind, metric: accuracy}
"""


def test_grouped_written_in_yaml_runs(tmp_path: Path) -> None:
    suite = write(tmp_path / "grouping.yml", SUITE)
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    log = read_eval_log(file)
    assert log.results is not None
    figures = {k: m.value for k, m in log.results.scores[0].metrics.items()}
    assert figures["accuracy/x"] == 0.5 and figures["accuracy/y"] == 1.0
    assert figures["accuracy/all"] == pytest.approx(2 / 3)
    assert 0 < figures["bootstrap_std"] < 0.5


def test_grouped_mistakes_are_located(tmp_path: Path) -> None:
    bad = SUITE.replace("{by: kind, metric: accuracy}", "{by: kind, metric: acuracy}")
    bad = bad.replace("num_samples: 200, seed: 3", "num_sample: 200")
    suite = write(tmp_path / "grouping.yml", bad)
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    assert f"{suite}:14:37:" in result.stderr and "acuracy" in result.stderr
    assert "did you mean 'accuracy'" in result.stderr
    assert f"{suite}:13:25:" in result.stderr and "num_sample" in result.stderr
    missing = write(tmp_path / "missing.yml", SUITE.replace("{by: kind, metric: accuracy}",
                                                            "{metric: accuracy}"))
    result = run_cli("validate", str(missing))
    assert result.returncode == 2 and f"{missing}:14:" in result.stderr and "by" in result.stderr


def test_custom_metric_from_a_python_file(tmp_path: Path) -> None:
    write(tmp_path / "metrics.py", (
        "from evalrunner import Score, metric\n\n"
        "@metric\n"
        "def correct_count():\n"
        "    def compute(scores: list[Score]) -> dict[str, float]:\n"
        "        right = sum(1 for s in scores if s.value == 'C')\n"
        "        return {'right': right, 'wrong': len(scores) - right}\n"
        "    return compute\n"
    ))
    suite = write(tmp_path / "custom.yml", SUITE.replace(
        "      - grouped: {by: kind, metric: accuracy}\n",
        "      - metrics.py@correct_count\n"
        "      - grouped: {by: kind, metric: metrics.py@correct_count}\n",
    ))
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    log = read_eval_log(file)
    assert log.results is not None
    figures = {k: m.value for k, m in log.results.scores[0].metrics.items()}
    assert figures["correct_count/right"] == 2 and figures["correct_count/wrong"] == 1
    assert figures["correct_count/x/right"] == 1 and figures["correct_count/y/right"] == 1
    assert figures["correct_count/all/wrong"] == 1
