"""Built-in text scorers on hand-made states: values, answers, explanations, list targets."""

from __future__ import annotations

from typing import Any

import pytest

from evalrunner.registry import registry_name_of, resolve
from evalrunner.scorers import Score, scorer_metrics
from evalrunner.solvers import TaskState


def make(name: str, *args: Any, **kwargs: Any) -> Any:
    return resolve("scorer", name).obj(*args, **kwargs)


async def run(scorer: Any, completion: str, target: str | list[str]) -> Score:
    state = TaskState("mockllm/model", 1, 1, "question", target=target)
    state.output.completion = completion
    score: Score = await scorer(state, state.target)
    assert score.explanation == completion
    return score


async def value(scorer: Any, completion: str, target: str | list[str]) -> str:
    return str((await run(scorer, completion, target)).value)


@pytest.mark.parametrize("name", ["includes", "match", "exact", "answer"])
def test_default_metrics_are_accuracy_and_stderr(name: str) -> None:
    made = make(name)
    assert [registry_name_of(m) for m in scorer_metrics(made)] == ["accuracy", "stderr"]
    assert resolve("scorer", name).metadata["metrics"] == scorer_metrics(made)


async def test_includes() -> None:
    includes = make("includes")
    score = await run(includes, "I believe the capital is PARIS.", "paris")
    assert (score.value, score.answer) == ("C", "paris")
    assert await value(make("includes", ignore_case=False), "capital is PARIS", "Paris") == "I"
    assert await value(includes, "It is London.", ["Paris", "London"]) == "C"
    assert await value(includes, "It is Rome.", ["Paris", "London"]) == "I"
    assert await value(includes, "anything", "") == "I"  # no target: nothing can match


async def test_match_end_is_the_default_and_folds_case_punctuation_whitespace() -> None:
    match = make("match")
    score = await run(match, "The capital is\n  Paris.", "paris")
    assert (score.value, score.answer) == ("C", "Paris")
    assert await value(match, "...well: HELLO,   world!!", "hello world") == "C"
    assert await value(match, "Paris is the capital", "paris") == "I"
    assert await value(make("match", ignore_case=False), "It is paris", "Paris") == "I"


async def test_match_needs_whole_words() -> None:
    match = make("match")
    score = await run(match, "The answer is 14", "4")
    assert (score.value, score.answer) == ("I", "14")
    assert await value(make("match", location="begin"), "Parisian food", "Paris") == "I"


async def test_match_locations() -> None:
    begin, exact, anywhere = (make("match", location=loc) for loc in ("begin", "exact", "any"))
    assert await value(begin, "Paris, of course.", "paris") == "C"
    assert await value(begin, "Of course Paris", "paris") == "I"
    assert await value(exact, "  Paris!  ", "paris") == "C"
    assert await value(exact, "Paris, France", "paris") == "I"
    assert await value(anywhere, "I'd say New-York, probably", "new york") == "C"
    assert (await run(anywhere, "no idea", "paris")).answer is None


async def test_match_list_targets() -> None:
    match = make("match")
    assert await value(match, "It must be Lyon", ["Paris", "Lyon"]) == "C"
    assert await value(match, "It must be Nice", ["Paris", "Lyon"]) == "I"


async def test_match_numeric() -> None:
    end = make("match", numeric=True)
    score = await run(end, "Adding them up, the total is 1,234.", "1234")
    assert (score.value, score.answer) == ("C", "1,234")
    assert await value(end, "It costs $1,234.00", "1,234") == "C"
    assert await value(end, "From 1234 we remove 34 to get 1200.", "1234") == "I"
    begin = make("match", location="begin", numeric=True)
    assert await value(begin, "1234, minus 34", "1234") == "C"
    assert await value(end, "The result is -7.5", "-7.50") == "C"
    assert await value(end, "The result is 7.5", "-7.5") == "I"
    anywhere = make("match", location="any", numeric=True)
    assert await value(anywhere, "Either 3 or 5 apples.", "5") == "C"
    assert await value(anywhere, "Either 3 or 5 apples.", "4") == "I"
    exact = make("match", location="exact", numeric=True)
    assert await value(exact, " 42. ", "42") == "C"
    assert await value(exact, "42 apples", "42") == "I"


async def test_match_numeric_without_a_number_is_incorrect() -> None:
    score = await run(make("match", numeric=True), "I cannot say.", "12")
    assert (score.value, score.answer) == ("I", None)


async def test_match_numeric_with_a_text_target_matches_text() -> None:
    assert await value(make("match", numeric=True), "The answer is Paris.", "Paris") == "C"


def test_match_rejects_an_unknown_location() -> None:
    with pytest.raises(ValueError, match="location must be one of end, begin, exact, any"):
        make("match", location="middle")


async def test_pattern() -> None:
    grade = make("pattern", r"grade:\s*(\w)")
    score = await run(grade, "Looks fine. GRADE: b", "B")
    assert (score.value, score.answer) == ("C", "b")
    score = await run(grade, "grade: A", "B")
    assert (score.value, score.answer) == ("I", "A")
    score = await run(grade, "no verdict", "B")
    assert (score.value, score.answer) == ("I", None)
    assert await value(make("pattern", r"grade: (\w)", ignore_case=False), "GRADE: B", "B") == "I"
    assert await value(grade, "grade: C", ["A", "C"]) == "C"


async def test_pattern_groups() -> None:
    both = make("pattern", r"(\w+) and (\w+)", match_all=True)
    assert await value(both, "cats and cats", "cats") == "C"
    assert await value(both, "cats and dogs", "cats") == "I"
    either = make("pattern", r"(\w+) and (\w+)")
    score = await run(either, "cats and dogs", "dogs")
    assert (score.value, score.answer) == ("C", "dogs")
    whole = make("pattern", r"\d+")
    assert await value(whole, "about 42 of them", "42") == "C"


def test_pattern_rejects_an_invalid_regex() -> None:
    with pytest.raises(ValueError, match="invalid pattern"):
        make("pattern", "(unclosed")


async def test_answer_letter() -> None:
    letter = make("answer", "letter")
    score = await run(letter, "A is wrong, B is wrong.\nANSWER: C", "C")
    assert (score.value, score.answer) == ("C", "C")
    assert await value(letter, "answer: **b**", "B") == "C"
    assert await value(letter, "ANSWER: (d)", "D") == "C"
    assert await value(letter, "ANSWER: A\nOn reflection...\nANSWER: B", "B") == "C"
    assert await value(letter, "ANSWER: A\nOn reflection...\nANSWER: B", "A") == "I"
    assert await value(letter, "ANSWER: C", ["A", "C"]) == "C"


async def test_answer_without_an_answer_is_incorrect() -> None:
    for completion in ("The format is ANSWER: $LETTER", "I think it is B.", "ANSWER: Because"):
        score = await run(make("answer", "letter"), completion, "B")
        assert (score.value, score.answer) == ("I", None)


async def test_answer_word_and_line() -> None:
    word = make("answer", "word")
    score = await run(word, "Reasoning...\nANSWER: Paris, of course", "paris")
    assert (score.value, score.answer) == ("C", "Paris")
    line = make("answer", "line")
    score = await run(line, "ANSWER: The Eiffel   Tower.\nThanks!", "the eiffel tower")
    assert (score.value, score.answer) == ("C", "The Eiffel   Tower.")
    assert await value(line, "Final answer below.\nANSWER:\n  42 apples", "42 apples") == "C"
    assert await value(line, "ANSWER: The Eiffel Tower, Paris", "the eiffel tower") == "I"


def test_answer_rejects_an_unknown_pattern() -> None:
    with pytest.raises(ValueError, match="pattern must be one of letter, word, line"):
        make("answer", "number")


async def test_exact() -> None:
    exact = make("exact")
    score = await run(exact, "  The Paris. ", "paris")
    assert (score.value, score.answer) == ("C", "The Paris.")
    assert await value(exact, "Paris, France", "Paris") == "I"
    assert await value(exact, "U.S.A.", ["the usa", "america"]) == "C"
    assert await value(exact, "", "the") == "I"
