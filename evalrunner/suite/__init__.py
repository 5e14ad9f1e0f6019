"""Loading suite files: YAML, schema, interpolation, overrides, compiled tasks.

The loader (jsonschema, YAML) is imported on first use, so importing the types is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._model import (
    ComponentRef,
    EpochsDef,
    LimitsDef,
    SourcePos,
    SpecError,
    SpecErrors,
    Suite,
    TaskDef,
)

_LAZY = {
    "find_suites": "._find",
    "load_suite": "._load",
    "suite_schema": "._generate",
    "check_templates": "._templates",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from ._find import find_suites
    from ._generate import suite_schema
    from ._load import load_suite
    from ._templates import check_templates

__all__ = [
    "ComponentRef",
    "EpochsDef",
    "LimitsDef",
    "SourcePos",
    "SpecError",
    "SpecErrors",
    "Suite",
    "TaskDef",
    "check_templates",
    "find_suites",
    "load_suite",
    "suite_schema",
]
