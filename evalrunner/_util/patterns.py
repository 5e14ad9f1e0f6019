"""Regular expressions a suite writes (the `pattern` scorer, `grade_pattern`), run with a
time bound.

A suite is somebody else's data and the text it is matched against is the model's: a
backtracking pattern (`(a|aa)+$` on a long run of `a`) would hold the event loop for
minutes, with every sample, limit and Ctrl-C waiting on it. These patterns are compiled
with the `regex` package (the same syntax as `re`) and every match runs with its timeout:
past `match_seconds()` it raises PatternTimeout, which fails that one score.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import regex

__all__ = ["PatternTimeout", "SuitePattern", "match_seconds"]

DEFAULT_SECONDS = 1.0


class PatternTimeout(TimeoutError):
    """A suite's pattern took longer than its time bound on one text."""


def match_seconds() -> float:
    """The bound of one match (EVALRUNNER_REGEX_TIMEOUT seconds, default 1)."""
    try:
        value = float(os.environ.get("EVALRUNNER_REGEX_TIMEOUT") or DEFAULT_SECONDS)
    except ValueError:
        return DEFAULT_SECONDS
    return value if value > 0 else DEFAULT_SECONDS


class SuitePattern:
    """A pattern from a suite; `re.error` (with its message) if it does not compile."""

    def __init__(self, pattern: str, ignore_case: bool = False, multiline: bool = False
                 ) -> None:
        # `re` checks the syntax first: the same rules, and the messages users know.
        re.compile(pattern, (re.IGNORECASE if ignore_case else 0)
                   | (re.MULTILINE if multiline else 0))
        flags = (regex.IGNORECASE if ignore_case else 0) | (regex.MULTILINE if multiline else 0)
        try:
            self._regex: Any = regex.compile(pattern, flags | regex.VERSION0)
        except regex.error as ex:
            raise re.error(str(ex)) from None
        self.pattern = pattern
        self.groups: int = self._regex.groups

    def search(self, text: str) -> Any:
        """The first match or None (a `Match` with `group`, `groups`)."""
        return self._bounded(text, lambda t: self._regex.search(text, timeout=t))

    def finditer(self, text: str) -> list[Any]:
        """Every match; the bound covers them all."""
        return list(self._bounded(text, lambda t: list(self._regex.finditer(text, timeout=t))))

    def fullmatch(self, text: str) -> Any:
        return self._bounded(text, lambda t: self._regex.fullmatch(text, timeout=t))

    def _bounded(self, text: str, run: Callable[[float], Any]) -> Any:
        seconds = match_seconds()
        try:
            return run(seconds)
        except TimeoutError:
            raise PatternTimeout(
                f"the pattern {self.pattern!r} took longer than {seconds:g} s on a text of "
                f"{len(text):,} characters (catastrophic backtracking?); set "
                "EVALRUNNER_REGEX_TIMEOUT to allow more") from None
