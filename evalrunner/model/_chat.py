"""Chat messages and their content parts, shared by datasets, solvers and providers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ContentText(BaseModel):
    """A text part of a message."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["text"] = "text"
    text: str


class ContentImage(BaseModel):
    """An image part: a URL, a data URL, or a local path resolved when the dataset loads."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["image"] = "image"
    image: str
    detail: Literal["auto", "low", "high"] = "auto"


class ContentAudio(BaseModel):
    """An audio part: a data URL, or a local path resolved when the dataset loads.

    Accepted by the providers whose API takes audio input (OpenAI Chat Completions,
    Google); any other provider refuses it with an error naming the provider.
    """

    model_config = ConfigDict(extra="forbid")
    type: Literal["audio"] = "audio"
    audio: str
    format: Literal["wav", "mp3"]


class ContentVideo(BaseModel):
    """A video part: a data URL, or a local path resolved when the dataset loads.

    Accepted by the providers whose API takes video input (Google); any other provider
    refuses it with an error naming the provider.
    """

    model_config = ConfigDict(extra="forbid")
    type: Literal["video"] = "video"
    video: str
    format: Literal["mp4", "mpeg", "mov"]


class ContentReasoning(BaseModel):
    """A model's reasoning (Anthropic's thinking), kept so it can be sent back verbatim.

    Not part of the message's `text`. `signature` is the provider's proof of the reasoning;
    `redacted` reasoning is opaque data the provider encrypted.
    """

    model_config = ConfigDict(extra="forbid")
    type: Literal["reasoning"] = "reasoning"
    reasoning: str
    signature: str | None = None
    redacted: bool = False


Content = Annotated[
    ContentText | ContentImage | ContentAudio | ContentVideo | ContentReasoning,
    Field(discriminator="type"),
]


def assistant_content(text: str, reasoning: list[ContentReasoning]) -> str | list[Content]:
    """An answer's content: its text, after the reasoning that led to it when there is any
    (kept apart from the text, so providers can send it back as they require)."""
    return [*reasoning, ContentText(text=text)] if reasoning else text


class ToolCall(BaseModel):
    """A call of a tool requested by the model."""

    id: str
    function: str
    arguments: dict[str, Any]
    parse_error: str | None = None
    # What the provider needs back with the call (Gemini's thought signature).
    internal: dict[str, Any] | None = None

    @classmethod
    def decoded(
        cls, id: str, function: str, arguments: Any, internal: dict[str, Any] | None = None
    ) -> ToolCall:
        """A call whose arguments came as decoded JSON: anything but an object is kept as a
        parse error for the model to see, not raised."""
        ok = isinstance(arguments, dict)
        return cls(
            id=id, function=function, arguments=arguments if ok else {},
            parse_error=None if ok else f"the arguments are not a JSON object: {arguments!r}",
            internal=internal,
        )


class ChatMessageBase(BaseModel):
    content: str | list[Content]
    source: Literal["input", "generate"] | None = None

    @property
    def text(self) -> str:
        """The text of the message: the joined text parts when the content is a list."""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part.text for part in self.content if isinstance(part, ContentText))

    @text.setter
    def text(self, value: str) -> None:
        # Replace the text parts but keep the others (images, reasoning) in their place
        # around it, so a prompt rewrite keeps attachments and an answer its reasoning.
        if isinstance(self.content, str):
            self.content = value
            return
        before = [p for p in self.content if isinstance(p, ContentReasoning)]
        after = [p for p in self.content
                 if isinstance(p, ContentImage | ContentAudio | ContentVideo)]
        self.content = [*before, ContentText(text=value), *after]


class ChatMessageSystem(ChatMessageBase):
    role: Literal["system"] = "system"


class ChatMessageUser(ChatMessageBase):
    role: Literal["user"] = "user"


class ChatMessageAssistant(ChatMessageBase):
    role: Literal["assistant"] = "assistant"
    tool_calls: list[ToolCall] | None = None


class ChatMessageTool(ChatMessageBase):
    role: Literal["tool"] = "tool"
    tool_call_id: str | None = None
    function: str | None = None
    error: str | None = None


ChatMessage = Annotated[
    ChatMessageSystem | ChatMessageUser | ChatMessageAssistant | ChatMessageTool,
    Field(discriminator="role"),
]


def as_messages(input: str | list[Any]) -> list[ChatMessageBase]:
    """Turn a sample input (text or a list of messages) into chat messages."""
    if isinstance(input, str):
        return [ChatMessageUser(content=input, source="input")]
    out: list[ChatMessageBase] = []
    for message in input:
        if isinstance(message, ChatMessageBase):
            out.append(message.model_copy(deep=True))
        else:
            out.append(_message_adapter().validate_python(message))
    return out


_ADAPTER: Any = None


def _message_adapter() -> Any:
    global _ADAPTER
    if _ADAPTER is None:
        from pydantic import TypeAdapter

        _ADAPTER = TypeAdapter(ChatMessage)
    return _ADAPTER


def messages_text(messages: list[ChatMessageBase]) -> str:
    """The user messages' text, joined: what `input_text` means for a message-list input."""
    return "\n".join(m.text for m in messages if m.role == "user")  # type: ignore[attr-defined]
