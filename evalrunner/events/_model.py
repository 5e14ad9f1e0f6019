"""The events of a sample, as the log keeps them: one small record per thing that happened.

A model event has a summary (how many messages, which tools, the start of the reply) that
the viewer shows, and the call in full (the messages as sent, the tools offered, the
config, the reply, the provider's request and response, retries and waits), as Inspect's
model events have; a tool event keeps the start of its result (the full text is in the
messages). `t` is seconds since the sample started and `span`
the id of the enclosing span (a plan step, a sub-agent, the scorers).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str | list | dict) and not value)


class _Event(BaseModel):
    model_config = ConfigDict(extra="allow")

    t: float = 0.0
    span: str | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # A log holds hundreds of events per agent sample: empty values are left out
        # (reading fills them back in with their defaults). pydantic leaves them out
        # itself (`exclude_if`), at half the cost of a serializer written in Python.
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            if name != "event":
                field.exclude_if = _empty
        cls.model_rebuild(force=True)


class SpanBeginEvent(_Event):
    """A span opens: a plan step, a sub-agent (`agent`), a handoff or the scorers."""

    event: Literal["span_begin"] = "span_begin"
    id: str
    type: str
    name: str


class SpanEndEvent(_Event):
    event: Literal["span_end"] = "span_end"
    id: str


class ModelEvent(_Event):
    """One generate call: its request in summary, its reply's start, usage and time, and
    (below) the call in full."""

    event: Literal["model"] = "model"
    model: str
    messages: int = 0
    tools: list[str] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)
    output: str = ""
    tool_calls: list[str] = Field(default_factory=list)
    stop_reason: str | None = None
    usage: dict[str, int] | None = None  # input, output and total tokens
    time: float | None = None
    cached: bool = False
    cost: float | None = None
    error: str | None = None
    # The complete call (Inspect's model event): the messages as sent, the tools offered
    # with their schemas, the reply, and the provider's request and response bodies
    # (redacted as the log is written). Held by reference: the writer thread serialises.
    input: list[Any] = Field(default_factory=list)
    tool_info: list[Any] = Field(default_factory=list)
    tool_choice: Any = None
    reply: Any = None
    call: dict[str, Any] | None = None
    retries: int | None = None
    waited: float | None = None  # seconds waiting for a connection slot or a retry's back-off


class ToolEvent(_Event):
    """One tool call and its result (the start of it; the full text is in the messages)."""

    event: Literal["tool"] = "tool"
    id: str
    function: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: str = ""
    error: str | None = None
    time: float | None = None
    # How the tool shows this call (its viewer's `ToolCallView`: `call`, `context`).
    view: dict[str, Any] | None = None


class ApprovalEvent(_Event):
    """What an approver decided about a tool call."""

    event: Literal["approval"] = "approval"
    call: str
    function: str
    approver: str
    decision: Literal["approve", "modify", "reject", "terminate"]
    explanation: str | None = None
    modified: dict[str, Any] | None = None


class SandboxEvent(_Event):
    """A command a tool ran."""

    event: Literal["sandbox"] = "sandbox"
    cmd: list[str]
    returncode: int | None = None
    output: str = ""
    time: float | None = None


class LimitEvent(_Event):
    """A limit was reached and ended the sample's plan."""

    event: Literal["limit"] = "limit"
    type: str
    limit: float | None = None
    message: str = ""


class ErrorEvent(_Event):
    event: Literal["error"] = "error"
    message: str


class StoreEvent(_Event):
    """Changes to the sample's store: `set` with the new value, or `delete`."""

    event: Literal["store"] = "store"
    changes: list[dict[str, Any]]


class CompactionEvent(_Event):
    """The conversation was compacted to stay within the context window (`compaction:`)."""

    event: Literal["compaction"] = "compaction"
    strategy: str
    tokens_before: int
    tokens_after: int
    messages_removed: int = 0
    tool_results_dropped: int = 0
    summary: str = ""  # its start: the full text is in the conversation and `compactions`


Event = Annotated[
    SpanBeginEvent | SpanEndEvent | ModelEvent | ToolEvent | ApprovalEvent | SandboxEvent
    | LimitEvent | ErrorEvent | StoreEvent | CompactionEvent,
    Field(discriminator="event"),
]
