"""Compaction: keeping a long agent conversation under the model's context window.

A task's `compaction:` setting is applied before every generate of the evaluated model.
When the conversation's estimated size passes `max_tokens`, either the output of old tool
calls is dropped (`drop_tool_results`: the calls stay, their results say they were
removed) or the oldest turns are summarised by a model (`summarize`: the system messages
and the first user message stay, then one user message holding the summary, then the
latest `keep` messages), or the oldest turns are dropped (`trim`: the system messages and
the first user message stay, then the latest `keep` messages). Each compaction is recorded
on the sample (`compactions` in its log entry) and as a `compaction` event. `react` takes
the same setting for its own conversation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .._util.context import ContextField, task_field
from ..events._model import CompactionEvent
from ..events._transcript import preview
from ..events._transcript import record as record_event
from ..log._model import Compaction
from ..model._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
)
from ..model._get import get_model
from ..template import render

DROPPED = "(tool output removed to keep the conversation within the context window)"
SUMMARY_PROMPT = """Summarise the conversation below for the assistant that is carrying it \
on: the task, what has been tried, what was found (keep exact values, names, paths and \
commands that still matter) and what remains to do. Write only the summary.

<conversation>
{{ conversation }}
</conversation>"""
SUMMARY_HEADER = "Summary of the earlier part of this conversation:\n\n"


class CompactionConfig(BaseModel):
    """The `compaction:` setting of a task."""

    model_config = ConfigDict(extra="forbid")

    strategy: Literal["drop_tool_results", "summarize", "trim"]
    max_tokens: int = Field(gt=0, description="Compact when the conversation's estimated "
                            "size (about four characters a token) is above this.")
    keep: int = Field(default=4, ge=1, description="Latest messages (or tool results) kept "
                      "as they are.")
    model: str | None = Field(default=None, description="summarize: a role or model name "
                              "(default: the evaluated model).")
    prompt: str | None = Field(default=None, description="summarize: a Jinja template "
                               "with `conversation`.")


active_compaction: ContextField[CompactionConfig | None] = task_field("compaction")


@contextmanager
def compaction_scope(config: CompactionConfig | None) -> Iterator[None]:
    """Apply `config` to the generates of the evaluated model inside the block."""
    token = active_compaction.set(config)
    try:
        yield
    finally:
        active_compaction.reset(token)


def estimate_tokens(messages: list[ChatMessageBase]) -> int:
    """A provider-independent size estimate: about four characters a token."""
    chars = 0
    for message in messages:
        chars += len(message.text) + 16
        if isinstance(message, ChatMessageAssistant):
            for call in message.tool_calls or []:
                chars += len(call.function) + len(json.dumps(call.arguments))
    return chars // 4


async def compact(
    messages: list[ChatMessageBase], config: CompactionConfig
) -> tuple[list[ChatMessageBase], Compaction | None]:
    """The messages compacted as `config` says, with the record (also recorded as an
    event); unchanged when small."""
    out, made = await _compact(messages, config)
    if made is not None:
        record_event(CompactionEvent(
            strategy=made.strategy, tokens_before=made.tokens_before,
            tokens_after=made.tokens_after, messages_removed=made.messages_removed,
            tool_results_dropped=made.tool_results_dropped,
            summary=preview(made.summary or "")))
    return out, made


async def _compact(
    messages: list[ChatMessageBase], config: CompactionConfig
) -> tuple[list[ChatMessageBase], Compaction | None]:
    before = estimate_tokens(messages)
    if before <= config.max_tokens:
        return messages, None
    if config.strategy == "drop_tool_results":
        out, dropped = _drop_tool_results(messages, config.keep)
        if not dropped:
            return messages, None
        record = Compaction(strategy=config.strategy, at_message=len(messages),
                            tokens_before=before, tokens_after=estimate_tokens(out),
                            tool_results_dropped=dropped)
        return out, record
    if config.strategy == "trim":
        return _trim(messages, config.keep, before)
    return await _summarize(messages, config, before)


def _trim(messages: list[ChatMessageBase], keep: int, before: int
          ) -> tuple[list[ChatMessageBase], Compaction | None]:
    head = _head_length(messages)
    start = _tail_start(messages, head, keep)
    if start <= head:
        return messages, None
    out = [*messages[:head], *messages[start:]]
    return out, Compaction(strategy="trim", at_message=len(messages), tokens_before=before,
                           tokens_after=estimate_tokens(out), messages_removed=start - head)


def _tail_start(messages: list[ChatMessageBase], head: int, keep: int) -> int:
    """Where the kept latest `keep` messages start: never at a tool result whose call
    would be cut away."""
    start = max(head, len(messages) - keep)
    while start > head and isinstance(messages[start], ChatMessageTool):
        start -= 1
    return start


def _drop_tool_results(
    messages: list[ChatMessageBase], keep: int
) -> tuple[list[ChatMessageBase], int]:
    results = [i for i, m in enumerate(messages) if isinstance(m, ChatMessageTool)]
    old = {i for i in results[:-keep] if messages[i].text != DROPPED}
    out = [m.model_copy(update={"content": DROPPED}) if i in old else m
           for i, m in enumerate(messages)]
    return out, len(old)


async def _summarize(
    messages: list[ChatMessageBase], config: CompactionConfig, before: int
) -> tuple[list[ChatMessageBase], Compaction | None]:
    head = _head_length(messages)
    start = _tail_start(messages, head, config.keep)
    middle = messages[head:start]
    if not middle:
        return messages, None
    model = get_model(config.model) if config.model else get_model()
    transcript = "\n\n".join(_line(m) for m in middle)
    prompt = render(config.prompt or SUMMARY_PROMPT, conversation=transcript)
    output = await model.generate(prompt)
    summary = output.completion.strip()
    out = [*messages[:head], ChatMessageUser(content=SUMMARY_HEADER + summary),
           *messages[start:]]
    record = Compaction(strategy=config.strategy, at_message=len(messages),
                        tokens_before=before, tokens_after=estimate_tokens(out),
                        messages_removed=len(middle), summary=summary)
    return out, record


def _head_length(messages: list[ChatMessageBase]) -> int:
    """System messages and the first user message: the task itself is never summarised."""
    for i, message in enumerate(messages):
        if isinstance(message, ChatMessageUser):
            return i + 1
        if not isinstance(message, ChatMessageSystem):
            return i
    return len(messages)


def _line(message: ChatMessageBase) -> str:
    role: str = message.role  # type: ignore[attr-defined]
    text = message.text
    if isinstance(message, ChatMessageAssistant) and message.tool_calls:
        calls = "; ".join(f"{c.function}({json.dumps(c.arguments)})" for c in message.tool_calls)
        text = f"{text}\n[calls {calls}]".strip()
    return f"[{role}] {text}"
