"""Shared machinery of the @solver, @scorer, @metric and @tool decorators."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from . import RegistryKind, register

F = TypeVar("F", bound=Callable[..., Any])


def registering_decorator(
    kind: RegistryKind, fn: F | None, name: str | None, **metadata: Any
) -> Any:
    """Decorate a factory so that it registers itself and stamps what it returns.

    The object a factory returns carries `__registry_name__` and `__registry_args__`
    (the bound arguments), so a log can say exactly which component ran with what.
    """

    def wrap(factory: F) -> F:
        reg_name = name or factory.__name__
        signature = inspect.signature(factory)

        @functools.wraps(factory)
        def create(*args: Any, **kwargs: Any) -> Any:
            obj = factory(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            try:
                obj.__registry_name__ = reg_name
                obj.__registry_args__ = _loggable(dict(bound.arguments))
                obj.__registry_kind__ = kind
                for key, value in metadata.items():
                    setattr(obj, f"__registry_{key}__", value)
            except AttributeError:
                pass  # objects without a __dict__ simply go unstamped
            return obj

        create.__registry_factory__ = True  # type: ignore[attr-defined]
        # Kept on the factory too: two files may register the same name, and the
        # registry's table then holds only the later one.
        create.__registry_metadata__ = dict(metadata)  # type: ignore[attr-defined]
        module = getattr(factory, "__module__", None)
        builtin = {"builtin": True} if module and module.split(".")[0] == "evalrunner" else {}
        register(kind, reg_name, create, module, **metadata, **builtin)
        return create  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap


def _loggable(args: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args.items():
        if isinstance(value, str | int | float | bool | type(None)):
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = [_one(v) for v in value]
        elif isinstance(value, dict):
            out[key] = {str(k): _one(v) for k, v in value.items()}
        else:
            out[key] = _one(value)
    return out


def _one(value: Any) -> Any:
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    name = getattr(value, "__registry_name__", None)
    if name is not None:
        return {"name": name, "args": getattr(value, "__registry_args__", {})}
    return getattr(value, "name", None) or repr(value)
