"""A dataset sample."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..model._chat import ChatMessage


class Sample(BaseModel):
    """One input to evaluate, with what a correct answer looks like."""

    model_config = ConfigDict(extra="forbid")

    input: str | list[ChatMessage]
    target: str | list[str] = ""
    choices: list[str] | None = None
    id: int | str | None = None
    metadata: dict[str, Any] | None = None
    files: dict[str, str] | None = None
    setup: str | None = None
    limits: dict[str, float] | None = None  # this sample's own limits, over the task's
