"""Score: what a scorer says of one sample."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

CORRECT = "C"
INCORRECT = "I"
PARTIAL = "P"
NOANSWER = "N"

Value = (
    str | int | float | bool | list[str | int | float | bool]
    | dict[str, str | int | float | bool | None]
)


class Score(BaseModel):
    """A score: C/I/P/N, a number, a list or a dict, with its answer and explanation.

    A value of None is no score at all: the scorer could not decide (a grader gave no grade).
    Such a score is kept in the log as it is, counted, and left out of every metric.
    """

    value: Value | None = None  # written as no value at all (logs leave out None)
    answer: str | None = None
    explanation: str | None = None
    metadata: dict[str, Any] | None = None
    # Hand edits (`edit_score`, `evalrunner score edit`): the scorer's version, then each
    # edit with its provenance (who, when, why), as Inspect keeps them.
    history: list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        return str(self.value)

    def as_float(self) -> float:
        """The value as a number: C=1, P=0.5, I and N=0, booleans 1/0."""
        return value_to_float(self.value)

    @property
    def unscored(self) -> bool:
        """True when the scorer could not decide (a grader reply it could not parse)."""
        return self.value is None or bool(self.metadata and self.metadata.get("unscored"))


def value_to_float(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        upper = value.strip().upper()
        if upper in ("C", "CORRECT", "YES", "TRUE"):
            return 1.0
        if upper in ("P", "PARTIAL"):
            return 0.5
        if upper in ("I", "N", "INCORRECT", "NO", "FALSE", ""):
            return 0.0
        try:
            return float(value)
        except ValueError:
            pass
    raise ValueError(f"cannot turn score value {value!r} into a number")
