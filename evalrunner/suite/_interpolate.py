"""`${{ expr }}` interpolation, evaluated once at load time, and `-T name=value` overrides."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError, Undefined
from jinja2.exceptions import SecurityError, TemplateRuntimeError, UndefinedError

from ..template import TemplateBudgetError, compile_expression
from ..template._budget import budgeted
from ._model import SourcePos
from ._report import Reporter
from ._yaml import Path_

_EXPR = re.compile(r"\$\{\{((?:(?!\}\}).)*)\}\}", re.DOTALL)
_CONTEXT_NAMES = ("params", "env", "suite", "model")


class Names(dict[str, Any]):
    """A mapping whose keys win over dict methods: `params.items` is the param `items`."""

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return super().__getattribute__(name)


class Interpolator:
    """Replaces `${{ }}` in every string of a value, reporting bad expressions in place."""

    def __init__(self, rep: Reporter, context: dict[str, Any]) -> None:
        self.rep = rep
        # Mappings read as `env.NAME`; plain values (`model`) as themselves.
        self.context = {k: Names(v) if isinstance(v, dict) else v for k, v in context.items()}

    def walk(self, value: Any, path: Path_) -> Any:
        if isinstance(value, dict):
            return {k: self.walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, str) and "${{" in value:
            return self._string(value, path)
        return value

    def _string(self, text: str, path: Path_) -> Any:
        whole = _EXPR.fullmatch(text)
        if whole is not None:  # exactly one expression: keep its native type
            self.rep.sources[path] = text
            return self._evaluate(whole, text, path)
        parts: list[str] = []
        last = 0
        for match in _EXPR.finditer(text):
            parts.append(text[last : match.start()])
            parts.append(_as_text(self._evaluate(match, text, path)))
            last = match.end()
        parts.append(text[last:])
        self.rep.sources[path] = text
        return "".join(parts)

    def _evaluate(self, match: re.Match[str], text: str, path: Path_) -> Any:
        source = match.group(1).strip()
        shown = "${{ " + source + " }}"
        try:
            with budgeted():  # a suite's expression is bounded in time and memory at validate
                result = _compiled(source)(**self.context)
        except TemplateBudgetError as ex:
            self._error(path, text, match, f"cannot evaluate {shown}: {ex.message}")
            return None
        except TemplateSyntaxError as ex:
            self._error(path, text, match, f"bad expression {shown}: {ex.message}")
            return None
        except (UndefinedError, SecurityError, ArithmeticError, TypeError, ValueError,
                TemplateRuntimeError) as ex:  # TemplateBudgetError: too big, or too long
            self._error(path, text, match, f"cannot evaluate {shown}: {_undefined_hint(ex)}")
            return None
        if isinstance(result, Undefined):
            self._error(path, text, match, f"{shown}: {self._missing(result)}")
            return None
        return result

    def _missing(self, undefined: Undefined) -> str:
        owner = getattr(undefined, "_undefined_obj", None)
        name = str(getattr(undefined, "_undefined_name", "?"))
        if owner is self.context.get("params"):
            known = sorted(self.context["params"])
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            return f"unknown param '{name}' ({hint}known params: {', '.join(known) or 'none'})"
        if owner is self.context.get("env"):
            return f"environment variable '{name}' is not set"
        if owner is self.context.get("suite"):
            return f"'suite' has no '{name}' (it has: {', '.join(sorted(self.context['suite']))})"
        return f"'{name}' is undefined"

    def _error(self, path: Path_, text: str, match: re.Match[str], message: str) -> None:
        located = self.rep.doc.where.get(path)
        single_line = "\n" not in text
        if located is not None and single_line and located.style in (None, "'", '"'):
            # Point at the expression itself inside a one-line scalar.
            shift = match.start() + (0 if located.style is None else 1)
            pos = located.pos
            self.rep.error(path, message, pos=SourcePos(pos.file, pos.line, pos.column + shift))
        else:
            self.rep.error(path, message)


@lru_cache(maxsize=1024)
def _compiled(source: str) -> Any:
    return compile_expression(source)


def _undefined_hint(ex: Exception) -> str:
    message = str(ex)
    if message.endswith("is undefined"):
        message += f" (names available: {', '.join(_CONTEXT_NAMES)})"
    return message


def _as_text(value: Any) -> str:
    """How a value reads inside a longer string: like YAML would write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, default=str)


def parse_override(name: str, raw: str, declared: Any) -> tuple[Any, str | None]:
    """A `-T` value as a YAML scalar, kept as text where reading it otherwise would surprise.

    Returns the value and a warning, if any.
    """
    try:
        value = yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        return raw, None
    if isinstance(value, dict) or not isinstance(value, str | int | float | bool | list | None):
        return raw, None  # `a: b` or a date: the user wrote text
    if isinstance(value, bool) and raw.strip().lower() not in ("true", "false"):
        if isinstance(declared, bool):
            return value, f"-T {name}={raw} is read as {str(value).lower()}: write true or false"
        return raw, None
    if isinstance(declared, str) and isinstance(value, int | float | bool):
        return raw, None  # `-T version=1.10` for a text param stays "1.10"
    return value, None


def split_overrides(
    overrides: Mapping[str, str], declared: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Parsed overrides of declared params; the unknown names; warnings."""
    values: dict[str, Any] = {}
    unknown: list[str] = []
    warnings: list[str] = []
    for name, raw in overrides.items():
        if name not in declared:
            unknown.append(name)
            continue
        value, warning = parse_override(name, raw, declared[name])
        values[name] = value
        if warning:
            warnings.append(warning)
    return values, unknown, warnings
