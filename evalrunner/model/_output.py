"""What a model returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._chat import ChatMessageAssistant

StopReason = Literal["stop", "length", "tool_calls", "content_filter", "unknown"]


class ModelUsage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: ModelUsage) -> ModelUsage:
        return ModelUsage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class ChatCompletionChoice(BaseModel):
    message: ChatMessageAssistant
    stop_reason: StopReason = "unknown"


class ModelOutput(BaseModel):
    """The answer of one generate call."""

    model: str = ""
    choices: list[ChatCompletionChoice] = Field(default_factory=list)
    usage: ModelUsage | None = None
    error: str | None = None
    cached: bool = False
    time: float | None = None

    @property
    def message(self) -> ChatMessageAssistant:
        if not self.choices:
            return ChatMessageAssistant(content="", source="generate")
        return self.choices[0].message

    @property
    def completion(self) -> str:
        """The text of the first choice ('' when there is none)."""
        return self.choices[0].message.text if self.choices else ""

    @completion.setter
    def completion(self, value: str) -> None:
        if self.choices:
            self.choices[0].message.text = value
        else:
            self.choices = [ChatCompletionChoice(message=ChatMessageAssistant(content=value))]

    @property
    def stop_reason(self) -> StopReason:
        return self.choices[0].stop_reason if self.choices else "unknown"

    @staticmethod
    def from_content(
        model: str, content: str, stop_reason: StopReason = "stop"
    ) -> ModelOutput:
        message = ChatMessageAssistant(content=content, source="generate")
        return ModelOutput(
            model=model, choices=[ChatCompletionChoice(message=message, stop_reason=stop_reason)]
        )
