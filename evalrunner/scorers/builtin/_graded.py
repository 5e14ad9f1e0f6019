"""What `model_graded_qa` and `model_graded_fact` share: prompt, ask the graders, read the grade.

A grader is a model name (`openai/gpt-4o`) or a role of the task (`grader`); without one,
as in Inspect, the model bound to `model_role` (default `grader`) grades, or the model being
evaluated when the task binds no such role. Several graders vote: the grade most of them
gave wins, a tie going to the grade of the earliest grader among the tied ones. Every
score keeps the graders' explanations and their full exchanges (prompt and reply) in
`metadata["grading"]`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..._util.patterns import SuitePattern
from ...model._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
)
from ...model._get import get_model, model_ref
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


@dataclass(frozen=True)
class GradePattern:
    """How a grade is read from a reply: a pattern, and labels it may find besides C/I/P."""

    regex: SuitePattern  # run with a time bound: the text it reads is a model's
    labels: dict[str, str | float] = field(default_factory=dict)  # upper-cased label -> grade

    def missed(self, reply: str) -> str:
        """Why `reply` gave no grade: the pattern it failed, and the reply (its end)."""
        tail = " ".join(reply.split())
        tail = tail if len(tail) <= 80 else "..." + tail[-77:]
        return f"the grader's reply did not match grade_pattern {self.regex.pattern!r}: {tail!r}"


def grade_regex(grade_pattern: str | dict[str, Any] | None,
                partial_credit: bool) -> GradePattern:
    """The pattern that reads the grade; its first group (or whole match) is the grade.

    `{pattern, labels}` maps other words to grades (`labels: {Yes: C, No: I}`).
    """
    if grade_pattern is None:
        letters = _LETTERS_PARTIAL if partial_credit else _LETTERS
        return GradePattern(SuitePattern(rf"GRADE\s*:\s*\**\s*([{letters}])\b",
                                         ignore_case=True))
    labels: dict[str, str | float] = {}
    pattern: Any = grade_pattern
    if isinstance(grade_pattern, dict):
        unknown = sorted(set(grade_pattern) - {"pattern", "labels"})
        if unknown or not isinstance(grade_pattern.get("pattern"), str):
            raise ValueError("grade_pattern: a pattern, or {pattern: <regex>, labels: "
                             "{<word>: C, <word>: I}}")
        labels = _labels(grade_pattern.get("labels") or {})
        pattern = grade_pattern["pattern"]
    try:
        return GradePattern(SuitePattern(str(pattern), ignore_case=True, multiline=True),
                            labels)
    except re.error as ex:
        raise ValueError(f"invalid grade_pattern {pattern!r}: {ex}") from None


def _labels(given: Any) -> dict[str, str | float]:
    if not isinstance(given, dict):
        raise ValueError("grade_pattern labels: a mapping of words to C, P, I or a number")
    out: dict[str, str | float] = {}
    for word, grade in given.items():
        value = str(grade).strip().upper()
        if value not in (CORRECT, INCORRECT, PARTIAL):
            try:
                out[str(word).strip().upper()] = float(value)
                continue
            except ValueError:
                raise ValueError(f"grade_pattern labels: {word}: {grade!r} is not C, P, I "
                                 "or a number") from None
        out[str(word).strip().upper()] = value
    return out


def read_grade(text: str, pattern: GradePattern, partial_credit: bool) -> str | float | None:
    """The last grade in a reply: C, P or I, a number, or None when there is none.

    The last match counts: a grader may quote the format before giving its verdict. A
    label maps the matched word first. A P without partial credit counts as I (half right
    is not right).
    """
    found = pattern.regex.finditer(text)
    if not found:
        return None
    last = found[-1]
    raw = (last.group(1) if pattern.regex.groups else last.group()).strip().upper()
    mapped = pattern.labels.get(raw, raw)
    if isinstance(mapped, float):
        return mapped
    if mapped in (CORRECT, INCORRECT, PARTIAL):
        return mapped if mapped != PARTIAL or partial_credit else INCORRECT
    try:
        return float(mapped)
    except ValueError:
        return None


@dataclass
class Grading:
    """One grader's verdict on one sample."""

    model: str
    grade: str | float | None
    explanation: str
    exchange: list[dict[str, Any]]


@dataclass(frozen=True)
class GraderChoice:
    """Who grades: `model` (names or roles; they vote) or else the role `model_role`."""

    model: str | list[str] | None = None
    model_role: str | None = "grader"
    include_history: bool = False


def graded_scorer(
    template: str | None,
    default_template: str,
    instructions: str | None,
    grade_pattern: str | dict[str, Any] | None,
    partial_credit: bool,
    choice: GraderChoice,
) -> Scorer:
    """A scorer that has the chosen graders grade the output against the target."""
    source = load_template(template, default=default_template)
    regex = grade_regex(grade_pattern, partial_credit)
    told = instructions if instructions is not None else default_instructions(partial_credit)
    graders = _graders(choice)

    async def score(state: TaskState, target: Target) -> Score:
        question = chat_history(state) if choice.include_history else state.input_text
        variables = template_variables(
            state,
            question=question,
            answer=state.output.completion,
            criterion=target.text,
            instructions=told,
        )
        prompt = render_template(source, variables)
        gradings = await asyncio.gather(
            *(_grade(grader(), prompt, regex, partial_credit) for grader in graders)
        )
        return _verdict(list(gradings), state.output.completion, regex)

    return score


def _graders(choice: GraderChoice) -> list[Callable[[], Model]]:
    if choice.model is None:
        role = choice.model_role
        # An unbound role means the evaluated model (Inspect's rule for get_model(role=)).
        return [lambda: get_model(role=role) if role else get_model()]
    names = choice.model if isinstance(choice.model, list) else [choice.model]
    if not names:
        raise ValueError("model: give at least one grader")
    return [model_ref(name) for name in names]  # a bad name or unbound role fails now


def chat_history(state: TaskState) -> str:
    """The conversation before the output, as `include_history` shows it to the grader.

    System messages are left out, and so is the last assistant message (it is the answer
    being graded); tool calls and results are shown by their function, as in Inspect.
    """
    messages: list[ChatMessageBase] = [
        m for m in state.messages if not isinstance(m, ChatMessageSystem)]
    if messages and isinstance(messages[-1], ChatMessageAssistant):
        messages = messages[:-1]
    return "\n\n".join(_history_line(m) for m in messages)


def _history_line(message: ChatMessageBase) -> str:
    if isinstance(message, ChatMessageAssistant):
        parts = [message.text] if message.text else []
        parts += [f"{call.function}({json.dumps(call.arguments)})"
                  for call in message.tool_calls or []]
        return "Assistant: " + "\n\n".join(parts)
    if isinstance(message, ChatMessageTool):
        return f"Tool ({message.function}): {message.error or ''}{message.text}"
    return f"User: {message.text}"


async def _grade(
    grader: Model, prompt: str, regex: GradePattern, partial_credit: bool
) -> Grading:
    asked = ChatMessageUser(content=prompt)
    output = await grader.generate([asked])
    if output.error:
        raise RuntimeError(f"grader {grader.name} failed: {output.error}")
    reply = output.completion
    exchange = [asked.model_dump(exclude_none=True), output.message.model_dump(exclude_none=True)]
    return Grading(grader.name, read_grade(reply, regex, partial_credit), reply, exchange)


def _verdict(gradings: list[Grading], answer: str, pattern: GradePattern) -> Score:
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
            metadata={"unscored": True, "grading": grading,
                      "unscored_reason": pattern.missed(gradings[0].explanation)},
        )
    counts = Counter(grades)
    top = max(counts.values())
    value = next(g for g in grades if counts[g] == top)  # earliest grader breaks a tie
    return Score(value=value, answer=answer, explanation=explanation, metadata={"grading": grading})
