"""What a person sees while a run goes on and when it ends."""

from __future__ import annotations

from ._plain import PlainDisplay
from ._summary import summary_lines


def make_display(kind: str) -> PlainDisplay:
    """The display for `--display rich|plain|none`."""
    return PlainDisplay(quiet=(kind == "none"))


__all__ = ["PlainDisplay", "make_display", "summary_lines"]
