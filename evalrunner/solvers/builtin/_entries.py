"""Solvers and tools given to a solver as arguments: objects from Python, entries from YAML.

In a suite, `chain: [generate, {self_critique: {model: grader}}]` hands `chain` the entries
as written; they follow the naming rule of plan steps and are made here, when the plan is
made (the suite loader has already checked them, at their own position in the file).
"""

from __future__ import annotations

import re
from typing import Any

from ...registry import RegistryKind, resolve
from ...template import suite_folder
from .._solver import Solver

RESERVED = ("if", "id")


def make_solvers(value: Any) -> list[Solver]:
    """Solvers from a solver, an entry, or a (nested) list of them."""
    return _make_all("solver", value)


def make_scorers(value: Any) -> list[Any]:
    """Scorers from a scorer, a scorer entry (`{match: {numeric: true}}`), or a list of them."""
    return _make_all("scorer", value)


def make_tools(value: Any) -> list[Any]:
    """Tools from a tool, a tool entry (`bash`, `{bash: {timeout: 30}}`), or a list of them."""
    return _make_all("tool", value)


_FUNCTION_NAME = re.compile(r"^(?:[\w./-]+\.py@\w+|[\w.]+:\w+|[\w.-]+/\w+)$")


def names_function(text: str) -> bool:
    """Whether an argument that takes a text or a function names a function (`file.py@fn`)."""
    return bool(_FUNCTION_NAME.match(text.strip()))


def make_function(value: Any) -> Any:
    """A Python function given as itself or by name (`agent.py@run`, `pkg.mod:run`)."""
    if callable(value):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a function or its name, got {value!r}")
    return resolve("solver", value, suite_folder()).obj


def _make_all(kind: RegistryKind, value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [made for item in value for made in _make_all(kind, item)]
    made = _make_one(kind, value)
    return [] if made is None else [made]


def _make_one(kind: RegistryKind, entry: Any) -> Any:
    if isinstance(entry, str):
        return _create(kind, entry, [], {})
    if isinstance(entry, dict):
        if entry.get("if", True) is False:
            return None
        names = [k for k in entry if k not in RESERVED and not k.startswith("x-")]
        if len(names) != 1:
            raise ValueError(f"an entry names one {kind}, this one has {names or 'none'}")
        value = entry[names[0]]
        if value is None:
            return _create(kind, names[0], [], {})
        if isinstance(value, dict):
            kwargs = {k: v for k, v in value.items()
                      if k not in RESERVED and not k.startswith("x-")}
            return _create(kind, names[0], [], kwargs)
        return _create(kind, names[0], [value], {})
    if callable(entry):
        # A factory passed without being called (`add` for `add()`) is called here.
        return entry() if getattr(entry, "__registry_factory__", False) else entry
    raise ValueError(f"not a {kind} entry: {entry!r}")


def _create(kind: RegistryKind, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    info = resolve(kind, name, suite_folder())
    return info.obj(*args, **kwargs)
