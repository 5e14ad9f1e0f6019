"""Events: what happened during a sample, in order, written with the sample."""

from ._limits import LimitExceededError, SampleLimits, check_limits, limits_scope
from ._model import (
    ApprovalEvent,
    CompactionEvent,
    ErrorEvent,
    Event,
    LimitEvent,
    ModelEvent,
    SandboxEvent,
    SpanBeginEvent,
    SpanEndEvent,
    StoreEvent,
    ToolEvent,
)
from ._transcript import Transcript, preview, record, span, transcript, transcript_scope

__all__ = [
    "ApprovalEvent", "CompactionEvent", "ErrorEvent", "Event", "LimitEvent",
    "LimitExceededError", "ModelEvent",
    "SampleLimits", "SandboxEvent", "SpanBeginEvent", "SpanEndEvent", "StoreEvent", "ToolEvent",
    "Transcript", "check_limits", "limits_scope", "preview", "record", "span", "transcript",
    "transcript_scope",
]
