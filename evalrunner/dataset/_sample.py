"""A dataset sample."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from ..model._chat import ChatMessage
from ..sandbox._spec import SandboxSpec, sandbox_spec

LIMIT_NAMES = ("messages", "tokens", "seconds", "working", "turns", "cost")


class Sample(BaseModel):
    """One input to evaluate, with what a correct answer looks like."""

    model_config = ConfigDict(extra="forbid")

    input: str | list[ChatMessage]
    target: str | list[str] = ""
    choices: list[str] | None = None
    id: int | str | None = None
    metadata: dict[str, Any] | None = None
    files: dict[str, str] | None = None  # path in the sandbox -> text or data: URL
    setup: str | None = None  # a script run in the sandbox before the plan
    sandbox: SandboxSpec | None = None  # this sample's own, instead of the task's
    limits: dict[str, float] | None = None  # this sample's own limits, over the task's

    @field_validator("sandbox", mode="before")
    @classmethod
    def _sandbox(cls, value: Any) -> Any:
        return None if value is None else sandbox_spec(value)

    @field_validator("limits")
    @classmethod
    def _known_limits(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        unknown = sorted(set(value or {}) - set(LIMIT_NAMES))
        if unknown:
            raise ValueError(f"unknown limit {', '.join(unknown)} (known: "
                             f"{', '.join(LIMIT_NAMES)})")
        if any(v <= 0 for v in (value or {}).values()):
            raise ValueError("limits must be positive")
        return value
