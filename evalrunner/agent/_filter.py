"""Message filters for handoffs: what the agent sees, and what it hands back."""

from __future__ import annotations

import json

from ..model._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentReasoning,
    ContentText,
)


async def content_only(messages: list[ChatMessageBase]) -> list[ChatMessageBase]:
    """The conversation as plain content: no system messages or reasoning; tool results
    become user messages and tool calls text, so the receiving model is not confused by
    tools it does not have (the default output filter of `handoff`)."""
    out: list[ChatMessageBase] = []
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            continue
        if isinstance(message, ChatMessageTool):
            out.append(ChatMessageUser(content=message.content))
        elif isinstance(message, ChatMessageAssistant):
            parts: list[Content] = ([ContentText(text=message.content)]
                                    if isinstance(message.content, str) else
                                    [p for p in message.content
                                     if not isinstance(p, ContentReasoning)])
            calls = "\n".join(f"{c.function}({json.dumps(c.arguments)})"
                              for c in message.tool_calls or [])
            if calls:
                parts.append(ContentText(text=calls))
            out.append(message.model_copy(update={"content": parts, "tool_calls": None}))
        else:
            out.append(message)
    return out


async def remove_tools(messages: list[ChatMessageBase]) -> list[ChatMessageBase]:
    """The conversation without tool results and without the calls of assistant turns."""
    return [m.model_copy(update={"tool_calls": None}) if isinstance(m, ChatMessageAssistant)
            else m for m in messages if not isinstance(m, ChatMessageTool)]


async def last_message(messages: list[ChatMessageBase]) -> list[ChatMessageBase]:
    """Only the last message."""
    return messages[-1:]


FILTERS = {"content_only": content_only, "remove_tools": remove_tools,
           "last_message": last_message}
