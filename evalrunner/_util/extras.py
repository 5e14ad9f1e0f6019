"""A component that needs an optional extra which is not installed."""

from __future__ import annotations


class MissingExtra(ValueError):
    """Raised when a suite names something whose extra is missing. `validate` reports it as
    a warning (a shipped example must not fail the default install); a run stops on it."""

    def __init__(self, extra: str, what: str) -> None:
        super().__init__(f"{what} need the {extra} extra: pip install 'evalrunner[{extra}]'")
        self.extra = extra
