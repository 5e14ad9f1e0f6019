"""Collecting every problem of a suite file, each located at the key or value it concerns."""

from __future__ import annotations

import json
from typing import Any

from ._model import SourcePos, SpecError
from ._yaml import Path_, YamlDoc


class Reporter:
    """Errors and warnings of one file, remembered with the data path they concern."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.items: list[tuple[Path_ | None, SpecError]] = []
        # Interpolated values: path -> the `${{ }}` text that produced them.
        self.sources: dict[Path_, str] = {}
        self._surprises = {i.path: i for i in doc.issues if i.kind in ("bool", "number")}
        self._explained: set[Path_] = set()
        for issue in doc.issues:
            if issue.kind == "error":
                self.error(issue.path, issue.message, at_key=issue.at_key)

    def error(
        self, path: Path_, message: str, at_key: bool = False, pos: SourcePos | None = None
    ) -> None:
        self.items.append((path, SpecError(pos or self.doc.pos(path, at_key), message)))

    def warning(self, path: Path_, message: str) -> None:
        self.items.append((path, SpecError(self.doc.pos(path), message, "warning")))

    def error_at(self, pos: SourcePos, message: str, severity: str = "error") -> None:
        self.items.append((None, SpecError(pos, message, severity)))

    def failed_under(self, prefix: Path_) -> bool:
        """Whether an error was reported inside `prefix` (its part is then not compiled)."""
        n = len(prefix)
        return any(
            p is not None and e.severity == "error" and p[:n] == prefix for p, e in self.items
        )

    def error_paths(self) -> set[Path_]:
        return {p for p, e in self.items if p is not None and e.severity == "error"}

    def got(self, path: Path_, value: Any) -> str:
        """`the text 'abc'`, `the number 1.1`, ..., or where an interpolated value came from."""
        expr = self.sources.get(path)
        if expr is None:
            return describe(value)
        if "env" in expr:  # never echo what came from the environment: it may be a secret
            return f"{kind_of(value)} from {expr}"
        return f"{describe(value)} from {expr}"

    def hint(self, path: Path_, value: Any, wanted_text: bool) -> str:
        """Why a value has the wrong type, when YAML 1.1 read it differently than it looks."""
        surprise = self._surprises.get(path)
        if surprise is not None and surprise.kind == "bool":
            self._explained.add(path)
            return (
                f"; YAML reads the plain word {surprise.message} as the boolean "
                f"{str(value).lower()}: write it in quotes ('{surprise.message}') for text"
            )
        located = self.doc.where.get(path)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if wanted_text and is_number and located is not None and located.style is None:
            self._explained.add(path)
            return f"; write it in quotes (\"{located.raw}\") to keep it as text"
        return ""

    def finish(self) -> tuple[list[SpecError], list[SpecError]]:
        """Errors and warnings, sorted by position; unexplained YAML 1.1 surprises warn."""
        for path, issue in self._surprises.items():
            if path in self._explained:
                continue
            if issue.kind == "bool":
                self.warning(
                    path,
                    f"'{issue.message}' is read as a boolean (YAML 1.1): write true or false, "
                    f"or '{issue.message}' in quotes for text",
                )
            else:
                self.warning(
                    path,
                    f"'{issue.message}' is read as a number (YAML 1.1 base-60 or octal): "
                    f"write it in quotes for text",
                )
        seen: set[str] = set()
        errors: list[SpecError] = []
        warnings: list[SpecError] = []
        for _, item in sorted(self.items, key=lambda x: _order(x[1])):
            if str(item) in seen:
                continue
            seen.add(str(item))
            (errors if item.severity == "error" else warnings).append(item)
        return errors, warnings


def _order(error: SpecError) -> tuple[str, int, int]:
    return (error.pos.file, error.pos.line, error.pos.column)


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def describe(value: Any) -> str:
    """A value for an error message: its kind and (when short) the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the text {json.dumps(shown)}"
    return kind_of(value)


def label(path: Path_) -> str:
    """The name a path is known by in a message: its last key, with a list index if any."""
    if not path:
        return "the suite"
    if isinstance(path[-1], str):
        return path[-1]
    parent = next((p for p in reversed(path) if isinstance(p, str)), "item")
    index = path[-1]
    if parent == "tasks":
        return f"task {index + 1}"
    return f"{parent}[{index}]"
