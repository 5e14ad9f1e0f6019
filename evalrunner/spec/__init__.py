"""Loading suite files: YAML, schema, interpolation, overrides, compiled tasks."""

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

__all__ = [
    "ComponentRef",
    "EpochsDef",
    "LimitsDef",
    "SourcePos",
    "SpecError",
    "SpecErrors",
    "Suite",
    "TaskDef",
]
