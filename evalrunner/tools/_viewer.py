"""How a tool call is shown: a tool's viewer turns a call into a view for the log viewer.

A viewer is a function of the call (`ToolCall`) returning a `ToolCallView`: a `call` part
shown instead of the arguments as JSON, and an optional `context` (the tool's state). The
executor runs it before the call and records the view in the call's tool event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

from ..model._chat import ToolCall

logger = logging.getLogger(__name__)


class ToolCallContent(BaseModel):
    """One part of a view: plain text or Markdown, with an optional title."""

    title: str | None = None
    format: Literal["text", "markdown"] = "text"
    content: str = ""


class ToolCallView(BaseModel):
    """A tool call as shown: `call` replaces the arguments, `context` goes above it."""

    context: ToolCallContent | None = None
    call: ToolCallContent | None = None


ToolCallViewer = Callable[[ToolCall], ToolCallView]


def call_view(tool: Any, call: ToolCall) -> ToolCallView | None:
    """The tool's view of `call`, or None. A failing viewer only loses the view: how a call
    is shown must never change what it does."""
    viewer = getattr(tool, "viewer", None)
    if viewer is None:
        return None
    try:
        view = viewer(call)
    except Exception as ex:
        logger.warning("the viewer of tool '%s' failed: %s", call.function, ex)
        return None
    return view if isinstance(view, ToolCallView) else None
