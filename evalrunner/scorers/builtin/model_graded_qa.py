"""`model_graded_qa`: a model judges whether the output meets the criterion in the target."""

from __future__ import annotations

from typing import Any

from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr
from ._graded import GRADER_VARS, GraderChoice, graded_scorer


@scorer(metrics=[accuracy(), stderr()], template_args=("template",), template_vars=GRADER_VARS)
def model_graded_qa(
    template: str | None = None,
    instructions: str | None = None,
    grade_pattern: str | dict[str, Any] | None = None,
    partial_credit: bool = False,
    model: str | list[str] | None = None,
    model_role: str | None = "grader",
    include_history: bool = False,
) -> Scorer:
    """Ask a grader model whether the output meets the grading guidance in the target.

    `template` (a file name or the text) replaces the built-in `model_graded_qa.j2`; it
    can use `question`, `answer` (the output), `criterion` (the target) and `instructions`
    besides the common variables. `instructions` replaces the default request to reason
    and end with `GRADE: C` or `GRADE: I` (or `P` with `partial_credit`, worth 0.5).
    `grade_pattern` is a regular expression whose first group reads the grade, or
    `{pattern, labels}` whose labels map other words to grades (`{Yes: C, No: I}`).
    `model` is a grader (`provider/name` or a role like `grader`) or a list of graders that
    vote. Without `model`, the model bound to `model_role` (default `grader`) grades, or
    the evaluated model when that role is not bound (`model_role: null`: always it).
    `include_history` shows the grader the whole conversation as the question, not just
    the sample's input.
    """
    return graded_scorer(
        template, "model_graded_qa.j2", instructions, grade_pattern, partial_credit,
        GraderChoice(model, model_role, include_history),
    )
