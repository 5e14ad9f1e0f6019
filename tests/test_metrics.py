"""Built-in metrics and epoch reducers against hand-computed values."""

from __future__ import annotations

import math
from typing import Any

import pytest

import evalrunner
from evalrunner.log._model import EvalSample
from evalrunner.registry import resolve
from evalrunner.runner._results import ScoreBook, compute_results
from evalrunner.scorers import Score


def metric(name: str, **kwargs: Any) -> Any:
    return resolve("metric", name).obj(**kwargs)


def reducer(name: str) -> Any:
    return resolve("reducer", name).obj()


def scores(*values: Any) -> list[Score]:
    return [Score(value=v) for v in values]


UNSCORED = Score(value=None, metadata={"unscored": True})


def test_accuracy_counts_partial_as_half_and_noanswer_as_wrong() -> None:
    assert metric("accuracy")(scores("C", "C", "I", "P")) == pytest.approx(0.625)
    assert metric("accuracy")(scores("C", "N")) == pytest.approx(0.5)
    assert metric("accuracy")(scores(True, False, 1, 0)) == pytest.approx(0.5)


def test_accuracy_with_a_custom_to_float() -> None:
    strict = metric("accuracy", to_float=lambda v: 1.0 if v == "C" else 0.0)
    assert strict(scores("C", "P", "P", "I")) == pytest.approx(0.25)


def test_mean_var_std_stderr_by_hand() -> None:
    values = scores(1, 2, 3, 4)
    # mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; sample variance 5 / 3
    assert metric("mean")(values) == pytest.approx(2.5)
    assert metric("var")(values) == pytest.approx(5 / 3)
    assert metric("std")(values) == pytest.approx(math.sqrt(5 / 3))
    assert metric("stderr")(values) == pytest.approx(math.sqrt(5 / 3) / 2)


def test_stderr_of_correct_incorrect_matches_the_sample_formula() -> None:
    # 1,1,0,0,1: mean 0.6, sample variance (3 * 0.16 + 2 * 0.36) / 4 = 0.3
    assert metric("stderr")(scores("C", "C", "I", "I", "C")) == pytest.approx(
        math.sqrt(0.3) / math.sqrt(5)
    )


def test_spread_of_one_sample_is_zero() -> None:
    for name in ("var", "std", "stderr"):
        assert metric(name)(scores("C")) == 0.0


def test_unscored_scores_take_no_part() -> None:
    mixed = [Score(value="C"), UNSCORED, Score(value="C"), UNSCORED]
    assert metric("accuracy")(mixed) == 1.0
    assert metric("stderr")(mixed) == 0.0
    with pytest.raises(ValueError, match="no scored sample"):
        metric("mean")([UNSCORED])


def test_metrics_are_exported_from_the_top_level() -> None:
    assert evalrunner.accuracy is resolve("metric", "accuracy").obj
    made = evalrunner.stderr()
    assert made.__registry_name__ == "stderr"


def test_reducer_mean_turns_letters_into_a_number() -> None:
    reduced = reducer("mean")(scores("C", "C", "I"))
    assert reduced.value == pytest.approx(2 / 3)
    assert reducer("mean")(scores("C", "C")).value == 1.0


def test_reducers_of_letters_give_back_letters() -> None:
    assert reducer("median")(scores("C", "C", "I")).value == "C"
    assert reducer("median")(scores("C", "I")).value == "P"
    assert reducer("mode")(scores("C", "I", "I")).value == "I"
    best = reducer("max")(
        [Score(value="I", answer="A"), Score(value="C", answer="B"), Score(value="I")]
    )
    assert (best.value, best.answer) == ("C", "B")


def test_reducers_of_numbers_and_dicts() -> None:
    assert reducer("max")(scores(0.2, 0.9, 0.5)).value == 0.9
    assert reducer("median")(scores(1, 5, 2, 10)).value == 3.5
    assert reducer("mode")(scores(2, 3, 3)).value == 3.0
    reduced = reducer("mean")(scores({"a": 1, "b": "C"}, {"a": 0, "b": "I"}))
    assert reduced.value == {"a": 0.5, "b": 0.5}
    assert reducer("max")(scores([1, 0], [0, 0.5])).value == [1.0, 0.5]


def test_reducers_skip_unscored_epochs() -> None:
    assert reducer("mean")([Score(value="C"), UNSCORED]).value == 1.0
    reduced = reducer("max")([UNSCORED, UNSCORED])
    assert reduced.unscored


def test_epochs_reduced_then_measured() -> None:
    # Two samples, three epochs each: sample 1 is right twice, sample 2 once.
    book = ScoreBook()
    for sample_id, values in ((1, "CCI"), (2, "ICI")):
        for epoch, letter in enumerate(values, start=1):
            book.add(EvalSample(id=sample_id, epoch=epoch, input="q", target="t",
                                scores={"match": Score(value=letter)}))
    acc = metric("accuracy")
    results = compute_results(book, {"match": [acc]}, ["mean", "mode"])
    by_name = {s.name: s.metrics["accuracy"].value for s in results.scores}
    assert by_name["match/mean"] == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert by_name["match/mode"] == pytest.approx(0.5)
