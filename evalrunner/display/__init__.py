"""What a person sees while a run goes on and when it ends."""

from __future__ import annotations

from ._plain import PlainDisplay
from ._progress import Display
from ._rich import RichDisplay
from ._summary import summary_lines, summary_table


def make_display(kind: str) -> Display:
    """The display for `--display rich|plain|none` (none: only the final summary)."""
    if kind == "rich":
        return RichDisplay()
    if kind in ("plain", "none"):
        return PlainDisplay(quiet=(kind == "none"))
    raise ValueError(f"unknown display '{kind}': use rich, plain or none")


__all__ = [
    "Display",
    "PlainDisplay",
    "RichDisplay",
    "make_display",
    "summary_lines",
    "summary_table",
]
