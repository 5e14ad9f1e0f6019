"""What a model is told about a tool, and how a tool may be chosen."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ToolInfo(BaseModel):
    """A tool's name, description and JSON-schema parameters, as sent to a model."""

    name: str
    description: str
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}, "required": []}
    )
    # The provider's own version of this tool, by provider ("openai", "anthropic"), with
    # its options: a model of that provider is given the native tool instead (its API
    # runs it); any other model gets the function above.
    native: dict[str, dict[str, Any]] | None = None


class ToolFunction(BaseModel):
    """Force the model to call this tool."""

    name: str


ToolChoice = Literal["auto", "none", "any"] | ToolFunction
