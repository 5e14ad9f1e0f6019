"""What a conversation goes through before any provider sees it: media checks and the
`reasoning_history` policy (which earlier reasoning is sent back)."""

from __future__ import annotations

from ._api import ModelAPI, ModelAPIError
from ._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentVideo,
)

_MEDIA = ((ContentImage, "image"), (ContentAudio, "audio"), (ContentVideo, "video"))
# Who takes each kind, for the error message.
_TAKERS = {"image": "every provider but local/ and hf/",
           "audio": "openai/ (Chat Completions), google/ and OpenAI-compatible servers that "
                    "accept input_audio", "video": "google/"}


def check_media(model: str, api: ModelAPI, messages: list[ChatMessageBase]) -> None:
    """Refuse image, audio or video parts the provider's API does not take, before any
    request: a provider that dropped them would leave the model blind without a word."""
    for message in messages:
        if isinstance(message.content, str):
            continue
        for part in message.content:
            for kind, name in _MEDIA:
                if isinstance(part, kind) and name not in api.media_types:
                    where = " in a tool result" if message.role == "tool" else ""  # type: ignore[attr-defined]
                    raise ModelAPIError(_refusal(model, name, where))


def require_media(kind: str, what: str) -> None:
    """Refuse, when a task is built (so `validate` reports it), a component that puts
    `kind` parts into the conversation (`what`, say the computer tool's screenshots) when
    the task's model takes none; there is no model outside a task: nothing to check."""
    from ._get import active_model

    model = active_model.get()
    if model is not None and kind not in model.api.media_types:
        raise ValueError(f"{what}: {_refusal(model.name, kind, '')}")


def _refusal(model: str, kind: str, where: str) -> str:
    provider = model.partition("/")[0]
    return (f"{model} does not accept {kind} content{where}: the {provider} provider cannot "
            f"send it (it is accepted by {_TAKERS[kind]})")


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
