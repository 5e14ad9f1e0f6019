"""What `model_graded_qa` and `model_graded_fact` share: prompt, ask the graders, read the grade.

A grader is a model name (`openai/gpt-4o`), a role of the task (`grader`), or None for the
model being evaluated. Several graders vote: the grade most of them gave wins, a tie going
to the grade of the earliest grader among the tied ones. Every score keeps the graders'
explanations and their full exchanges (prompt and reply) in `metadata["grading"]`.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..._util.patterns import SuitePattern
from ...model._chat import ChatMessageUser
from ...model._get import model_ref
from ...model._model import Model
from ...solvers._task_state import Target, TaskState
from ...solvers.builtin._vars import load_template, render_template, template_variables
from .._score import CORRECT, INCORRECT, PARTIAL, Score
from .._scorer import Scorer

# Variables a grading template can use beyond the common ones.
GRADER_VARS = ("question", "answer", "criterion", "instructions")

_LETTERS = "CI"
_LETTERS_PARTIAL = "CPI"


def default_instructions(partial_credit: bool) -> str:
    """How the grader is told to reply; mentions P only when partial credit is allowed."""
    if partial_credit:
        choice = (
            "where $LETTER is C if the submission is correct, P if it is partially correct, "
            "and I if it is incorrect"
        )
    else:
        choice = "where $LETTER is C if the submission is correct and I if it is incorrect"
    return (
        "First reason step by step about the criterion, so that your conclusion is well "
        "founded; do not state a verdict at the start. Then end your reply with a line of the "
        f"form 'GRADE: $LETTER' (without the quotes), {choice}. For example, after judging a "
        "correct submission you would end with 'GRADE: C'."
    )


def grade_regex(grade_pattern: str | None, partial_credit: bool) -> SuitePattern:
    """The pattern that reads the grade; its first group (or whole match) is the grade.
    A suite's own runs with a time bound: the text it reads is a model's."""
    if grade_pattern is None:
        letters = _LETTERS_PARTIAL if partial_credit else _LETTERS
        return SuitePattern(rf"GRADE\s*:\s*\**\s*([{letters}])\b", ignore_case=True)
    try:
        return SuitePattern(grade_pattern, ignore_case=True, multiline=True)
    except re.error as ex:
        raise ValueError(f"invalid grade_pattern {grade_pattern!r}: {ex}") from None


def read_grade(text: str, regex: SuitePattern, partial_credit: bool) -> str | float | None:
    """The last grade in a reply: C, P or I, a number, or None when there is none.

    The last match counts: a grader may quote the format before giving its verdict.
    A P without partial credit counts as I (half right is not right).
    """
    found = regex.finditer(text)
    if not found:
        return None
    last = found[-1]
    raw = (last.group(1) if regex.groups else last.group()).strip().upper()
    if raw in (CORRECT, INCORRECT, PARTIAL):
        return raw if raw != PARTIAL or partial_credit else INCORRECT
    try:
        return float(raw)
    except ValueError:
        return None


@dataclass
class Grading:
    """One grader's verdict on one sample."""

    model: str
    grade: str | float | None
    explanation: str
    exchange: list[dict[str, Any]]


def graded_scorer(
    template: str | None,
    default_template: str,
    instructions: str | None,
    grade_pattern: str | None,
    partial_credit: bool,
    model: str | list[str] | None,
) -> Scorer:
    """A scorer that has `model` (one or several graders) grade the output against the target."""
    source = load_template(template, default=default_template)
    regex = grade_regex(grade_pattern, partial_credit)
    told = instructions if instructions is not None else default_instructions(partial_credit)
    names: list[str | None] = list(model) if isinstance(model, list) else [model]
    if not names:
        raise ValueError("model: give at least one grader")
    graders = [model_ref(name) for name in names]  # a bad name or unbound role fails now

    async def score(state: TaskState, target: Target) -> Score:
        variables = template_variables(
            state,
            question=state.input_text,
            answer=state.output.completion,
            criterion=target.text,
            instructions=told,
        )
        prompt = render_template(source, variables)
        gradings = await asyncio.gather(
            *(_grade(grader(), prompt, regex, partial_credit) for grader in graders)
        )
        return _verdict(list(gradings), state.output.completion)

    return score


async def _grade(
    grader: Model, prompt: str, regex: SuitePattern, partial_credit: bool
) -> Grading:
    asked = ChatMessageUser(content=prompt)
    output = await grader.generate([asked])
    if output.error:
        raise RuntimeError(f"grader {grader.name} failed: {output.error}")
    reply = output.completion
    exchange = [asked.model_dump(exclude_none=True), output.message.model_dump(exclude_none=True)]
    return Grading(grader.name, read_grade(reply, regex, partial_credit), reply, exchange)


def _verdict(gradings: list[Grading], answer: str) -> Score:
    grading = [
        {"model": g.model, "grade": g.grade, "messages": g.exchange} for g in gradings
    ]
    grades = [g.grade for g in gradings if g.grade is not None]
    if len(gradings) == 1:
        explanation = gradings[0].explanation
    else:
        explanation = "\n\n".join(
            f"[{g.model}: {g.grade if g.grade is not None else 'no grade'}]\n{g.explanation}"
            for g in gradings
        )
    if not grades:
        return Score(  # no grade is no score, not a wrong answer
            value=None,
            answer=answer,
            explanation=explanation,
            metadata={"unscored": True, "grading": grading},
        )
    counts = Counter(grades)
    top = max(counts.values())
    value = next(g for g in grades if counts[g] == top)  # earliest grader breaks a tie
    return Score(value=value, answer=answer, explanation=explanation, metadata={"grading": grading})
