"""A Python `Task` as the `TaskDef` a YAML task compiles to: from here on, one pipeline.

Solvers, scorers and metrics are already made: each becomes a component whose factory
returns the object, named and described (in the log's plan) by what its decorator recorded.
A value of the wrong kind is an error located at the task function.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..dataset._helpers import as_dataset
from ..dataset._read import OBJECT_KEY
from ..model._config import GenerateConfig
from ..registry import RegistryInfo, UnknownNameError, resolve
from ..suite._model import ComponentRef, EpochsDef, LimitsDef, SourcePos, SpecError, TaskDef
from ._task import Epochs, Task


class TaskProblems(Exception):
    """What is wrong with a Task's values, each located at its task function."""

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def task_def(task: Task, file: Path, pos: SourcePos | None = None) -> TaskDef:
    """The task as a TaskDef of the suite `file` (its folder finds relative paths)."""
    from ..suite._compile import resolved_hash

    where = pos or SourcePos(str(file), 1, 1)
    errors: list[SpecError] = []

    def check(what: str, make: Callable[[], Any], default: Any) -> Any:
        try:
            return make()
        except (TypeError, ValueError) as ex:
            errors.append(SpecError(where, f"task '{task.name}': {what}: {ex}"))
            return default

    made = TaskDef(
        name=task.name, suite_name=file.stem, suite_file=file, description=task.display_name,
        tags=list(task.tags), attrs=_attrs(task), pos=where, dataset_pos=where,
        params=_params(task.args), fail_on_error=task.fail_on_error,
        limits=LimitsDef(messages=task.message_limit, tokens=task.token_limit,
                         seconds=task.time_limit, working=task.working_limit,
                         cost=task.cost_limit),
    )
    made.dataset = check("dataset", lambda: {OBJECT_KEY: as_dataset(task.dataset)}, {})
    made.setup = check("setup", lambda: _refs("solver", task.setup, file), [])
    made.plan = check("solver", lambda: _refs("solver", task.solver, file), [])
    made.scorers = check("scorer", lambda: _refs("scorer", task.scorer, file), [])
    made.metrics = check("metrics", lambda: _refs("metric", task.metrics, file), [])
    made.cleanup = task.cleanup
    made.model = check("model", lambda: _model_name(task.model), None)
    made.model_roles = check("model_roles", lambda: {
        role: _model_name(m) for role, m in task.model_roles.items()}, {})
    made.config = check("config", lambda: _config(task.config), GenerateConfig())
    made.epochs = check("epochs", lambda: _epochs(task.epochs), EpochsDef())
    made.sandbox = check("sandbox", lambda: _sandbox(task.sandbox, file), None)
    made.approval = check("approval", lambda: _approval(task.approval, file), {})
    if errors:
        raise TaskProblems(errors)
    made.resolved_hash = resolved_hash(made)
    return made


def component_refs(kind: str, value: Any, file: Path | None = None) -> list[ComponentRef]:
    """Made components (one or a list) as plan entries that give back the objects."""
    return _refs(kind, value, file)


def _refs(kind: str, value: Any, file: Path | None) -> list[ComponentRef]:
    if value is None:
        return []
    items = list(value) if isinstance(value, Sequence) and not isinstance(value, str) \
        else [value]
    return [_ref(kind, item, file) for item in items]


def _ref(kind: str, obj: Any, file: Path | None) -> ComponentRef:
    if isinstance(obj, str):
        raise TypeError(f"expected a {kind} object (call its factory: {obj}()), got a name")
    if not callable(obj):
        raise TypeError(f"expected a {kind}, got {type(obj).__name__}")
    name = getattr(obj, "__registry_name__", None) or getattr(obj, "__name__", kind)
    args = getattr(obj, "__registry_args__", None) or {}
    info = RegistryInfo(kind, str(name), lambda *_a, **_k: obj, source_file=file)
    # The arguments are only described (the object is made): create() returns the object.
    return ComponentRef(kind, str(name), info, kwargs=dict(args))


def _model_name(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    raise TypeError(f"expected a model name or a Model, got {type(value).__name__}")


def _config(value: Any) -> GenerateConfig:
    if value is None:
        return GenerateConfig()
    if isinstance(value, GenerateConfig):
        return value
    if isinstance(value, Mapping):
        return GenerateConfig(**value)
    raise TypeError(f"expected a GenerateConfig, got {type(value).__name__}")


def _epochs(value: int | Epochs | None) -> EpochsDef:
    if value is None:
        return EpochsDef()
    if isinstance(value, int) and not isinstance(value, bool):
        return EpochsDef(count=value)
    if not isinstance(value, Epochs):
        raise TypeError(f"expected a number or Epochs, got {type(value).__name__}")
    reducer = value.reducer
    items = [] if reducer is None else [reducer] if isinstance(reducer, str) or \
        callable(reducer) else list(reducer)
    names = [r if isinstance(r, str) else str(getattr(r, "__registry_name__", "")) or
             getattr(r, "__name__", "") for r in items]
    for name in names:  # a typo fails here, not when the results are computed
        try:
            resolve("reducer", name)
        except UnknownNameError as ex:
            raise ValueError(str(ex)) from None
    return EpochsDef(count=value.epochs, reducers=names or ["mean"])


def _sandbox(value: Any, file: Path) -> Any:
    from ..sandbox._spec import sandbox_spec

    if value is None:
        return None
    if isinstance(value, tuple):  # Inspect's ("docker", "compose.yaml" or "Dockerfile")
        kind, config = value
        key = "compose" if str(config).endswith((".yaml", ".yml")) else "build"
        value = {"type": kind, key: str(file.parent / config)}
    return sandbox_spec(value)


def _approval(value: Any, file: Path) -> dict[str, Any]:
    """Approval rules as a suite writes them, or a YAML file of them beside the task."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        import yaml

        loaded = yaml.safe_load((file.parent / value).read_text(encoding="utf-8"))
        if not isinstance(loaded, dict):
            raise ValueError(f"{value}: expected a mapping of tool patterns to approvers")
        return loaded
    raise TypeError(f"expected approval rules (a mapping) or a file, got {type(value).__name__}")


def _attrs(task: Task) -> dict[str, Any]:
    """Metadata and version as attributes (what `-F key=value` filters on)."""
    return {**_params(task.metadata), "version": task.version}


def _params(values: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as a log keeps them: JSON values as they are, others as their text."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        try:
            json.dumps(value)
            out[key] = value
        except (TypeError, ValueError):
            out[key] = repr(value)
    return out
