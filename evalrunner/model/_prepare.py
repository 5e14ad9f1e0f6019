"""What a conversation goes through before any provider sees it: media checks and the
`reasoning_history` policy (which earlier reasoning is sent back)."""

from __future__ import annotations

from ._api import ModelAPI, ModelAPIError
from ._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ContentAudio,
    ContentReasoning,
    ContentVideo,
)

_MEDIA = ((ContentAudio, "audio"), (ContentVideo, "video"))
# Who takes each kind, for the error message.
_TAKERS = {"audio": "openai/ (Chat Completions), google/ and OpenAI-compatible servers that "
                    "accept input_audio", "video": "google/"}


def check_media(model: str, api: ModelAPI, messages: list[ChatMessageBase]) -> None:
    """Refuse audio or video parts the provider's API does not take, before any request."""
    for message in messages:
        if isinstance(message.content, str):
            continue
        for part in message.content:
            for kind, name in _MEDIA:
                if isinstance(part, kind) and name not in api.media_types:
                    raise ModelAPIError(
                        f"{model} does not accept {name} content (it is accepted by "
                        f"{_TAKERS[name]})"
                    )


def reasoning_history(
    messages: list[ChatMessageBase], policy: str | None
) -> list[ChatMessageBase]:
    """The messages with earlier reasoning kept as `policy` says.

    `all` and `auto` (or unset) keep it (each provider sends back what its API wants);
    `none` drops it from every assistant turn; `last` keeps only the last turn's.
    """
    if policy in (None, "auto", "all"):
        return messages
    last = max((i for i, m in enumerate(messages) if isinstance(m, ChatMessageAssistant)),
               default=-1)
    out: list[ChatMessageBase] = []
    for i, message in enumerate(messages):
        if (isinstance(message, ChatMessageAssistant) and not isinstance(message.content, str)
                and (policy == "none" or i != last)):
            kept = [p for p in message.content if not isinstance(p, ContentReasoning)]
            if len(kept) != len(message.content):
                message = message.model_copy(update={"content": kept or ""})
        out.append(message)
    return out
