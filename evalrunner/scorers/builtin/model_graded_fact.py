"""`model_graded_fact`: a model judges whether the output contains the facts of the target."""

from __future__ import annotations

from typing import Any

from .._scorer import Scorer, scorer
from ..metrics.accuracy import accuracy
from ..metrics.stderr import stderr
from ._graded import GRADER_VARS, GraderChoice, graded_scorer


@scorer(metrics=[accuracy(), stderr()], template_args=("template",), template_vars=GRADER_VARS)
def model_graded_fact(
    template: str | None = None,
    instructions: str | None = None,
    grade_pattern: str | dict[str, Any] | None = None,
    partial_credit: bool = False,
    model: str | list[str] | None = None,
    model_role: str | None = "grader",
    include_history: bool = False,
) -> Scorer:
    """Ask a grader model whether the output states the facts of the expert answer (target).

    A narrower judgement than `model_graded_qa`, for answers too free-form for `match`.
    The arguments are those of `model_graded_qa`; the built-in template is
    `model_graded_fact.j2`.
    """
    return graded_scorer(
        template, "model_graded_fact.j2", instructions, grade_pattern, partial_credit,
        GraderChoice(model, model_role, include_history),
    )
