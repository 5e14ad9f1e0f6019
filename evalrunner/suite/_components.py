"""Plan steps, scorers and metrics: one naming rule, resolved and checked against signatures.

An entry is `name`, `name: value` (the first argument), or `name: {keyword: arguments}`,
plus the reserved keys `if:` and `id:`.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from ..registry import CodeNotImported, RegistryInfo, RegistryKind, UnknownNameError, resolve
from ._model import ComponentRef
from ._report import Reporter
from ._yaml import Path_

RESERVED = ("if", "id")
# Strict validation failing only on these is a container or class question, not a
# scalar surprise: a YAML list for a tuple, text for a Path. Lax mode decides those.
_CONTAINER_ERRORS = {"tuple_type", "set_type", "frozen_set_type", "is_instance_of", "enum"}
_ADAPTERS: dict[Any, TypeAdapter[Any] | None] = {}
_SIGNATURES: dict[int, tuple[Any, inspect.Signature | None]] = {}
_ARBITRARY = ConfigDict(arbitrary_types_allowed=True)


def compile_entry(
    kind: RegistryKind, entry: Any, path: Path_, rep: Reporter, base_dir: Path
) -> ComponentRef | None:
    """The component an entry names, or None when it is dropped (`if: false`) or wrong."""
    if isinstance(entry, str):
        info = resolve_name(kind, entry, path, rep, base_dir, at_key=False)
        if info is None:
            return None
        check_call(info, [], {}, path, rep)
        return ComponentRef(kind, entry, info, pos=rep.doc.pos(path), base_dir=base_dir)
    if not isinstance(entry, dict) or entry.get("if", True) is False:
        return None
    names = [k for k in entry if k not in RESERVED and not k.startswith("x-")]
    if not names:
        rep.error(path, "this entry names no component: write `- name` or `- name: arguments`")
        return None
    if len(names) > 1:
        _too_many(names, entry, path, rep)
        return None
    name = names[0]
    name_path = (*path, name)
    value = entry[name]
    if isinstance(value, dict):
        for key in RESERVED:
            if key in value:
                rep.error((*name_path, key), f"'{key}:' goes beside '{name}', not among its "
                                             "arguments", at_key=True)
    args, kwargs = _arguments(value)
    info = resolve_name(kind, name, name_path, rep, base_dir, at_key=True)
    if info is None:
        return None
    arg_pos = check_call(info, args, kwargs, name_path, rep)
    return ComponentRef(
        kind, name, info, args, kwargs, id=entry.get("id"),
        pos=rep.doc.pos(name_path, at_key=True), base_dir=base_dir, arg_pos=arg_pos,
    )


def _arguments(value: Any) -> tuple[list[Any], dict[str, Any]]:
    if value is None:
        return [], {}
    if isinstance(value, dict):
        kwargs = {k: v for k, v in value.items() if k not in RESERVED}
        return [], {k: v for k, v in kwargs.items() if not k.startswith("x-")}
    return [value], {}


def _too_many(names: list[str], entry: dict[str, Any], path: Path_, rep: Reporter) -> None:
    first, second = names[0], names[1]
    if entry[first] is None:
        message = (
            f"'{second}' looks like an argument of '{first}': indent it under '{first}' "
            "(one entry names one component)"
        )
    else:
        message = (
            f"one entry names one component, but this one has '{first}' and '{second}': "
            "write each as its own list item"
        )
    rep.error((*path, second), message, at_key=True)


def resolve_name(
    kind: RegistryKind, name: str, path: Path_, rep: Reporter, base_dir: Path, at_key: bool
) -> RegistryInfo | None:
    """The registry entry of a name, or None after reporting why it does not resolve."""
    try:
        return resolve(kind, name, base_dir)
    except UnknownNameError as ex:
        rep.error(path, str(ex), at_key=at_key)
    except CodeNotImported:
        pass  # `validate --no-code` names it; its arguments go unchecked
    except Exception as ex:  # a user's file failing to import is an input error, located
        rep.error(path, f"cannot load {kind} '{name}': {type(ex).__name__}: {ex}", at_key=at_key)
    return None


def _signature(obj: Any) -> inspect.Signature | None:
    """The factory's signature with string annotations evaluated where they can be."""
    key = id(obj)
    if key in _SIGNATURES and _SIGNATURES[key][0] is obj:
        return _SIGNATURES[key][1]
    found = None
    for eval_str in (True, False):
        try:
            found = inspect.signature(obj, eval_str=eval_str)
            break
        except (NameError, TypeError, ValueError, SyntaxError, AttributeError):
            continue
    _SIGNATURES[key] = (obj, found)
    return found


def check_call(
    info: RegistryInfo, args: list[Any], kwargs: dict[str, Any], path: Path_, rep: Reporter
) -> dict[str, Any]:
    """Check arguments against the factory's signature; returns each argument's position."""
    what = f"{info.kind} '{info.name}'"
    if not callable(info.obj):
        rep.error(path, f"{what} is not a function", at_key=bool(args or kwargs))
        return {}
    sig = _signature(info.obj)
    if sig is None:
        return {}
    params = sig.parameters
    names = [p.name for p in params.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    listing = f"(arguments: {', '.join(names) or 'none'})"
    given: dict[str, tuple[Any, Path_]] = {}
    positional = [
        p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if args:
        if positional:
            given[positional[0].name] = (args[0], path)
        elif not any(p.kind == p.VAR_POSITIONAL for p in params.values()):
            rep.error(path, f"{what} takes no single value; give keyword arguments {listing}")
    takes_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
    for key, value in kwargs.items():
        if key in params and params[key].kind != params[key].POSITIONAL_ONLY:
            given[key] = (value, (*path, key))
        elif not takes_any:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            rep.error((*path, key), f"unknown argument '{key}' of {what} ({hint}{listing[1:]}",
                      at_key=True)
    missing = [
        p.name for p in params.values()
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        and p.name not in given
    ]
    for name in missing:
        rep.error(path, f"{what} needs the argument '{name}' {listing}", at_key=True)
    for name, (value, where) in given.items():
        _check_type(what, name, params[name].annotation, value, where, rep)
    return {name: rep.doc.pos(where) for name, (_, where) in given.items()}


def _check_type(what: str, name: str, annotation: Any, value: Any, path: Path_,
                rep: Reporter) -> None:
    if annotation is inspect.Parameter.empty or isinstance(annotation, str):
        return
    adapter = _adapter(annotation)
    if adapter is None:
        return
    try:
        adapter.validate_python(value, strict=True)
        return
    except ValidationError as ex:
        kinds = {e["type"] for e in ex.errors()}
    if kinds <= _CONTAINER_ERRORS:
        try:
            adapter.validate_python(value)
            return
        except ValidationError:
            pass
    wanted = "true or false" if annotation is bool else inspect.formatannotation(annotation)
    hint = rep.hint(path, value, "str" in wanted.split(" | "))
    rep.error(path, f"argument '{name}' of {what}: expected {wanted}, "
                    f"got {rep.got(path, value)}{hint}")


def _adapter(annotation: Any) -> TypeAdapter[Any] | None:
    try:
        if annotation in _ADAPTERS:
            return _ADAPTERS[annotation]
    except TypeError:  # an unhashable annotation: build it every time
        pass
    adapter: TypeAdapter[Any] | None
    try:
        adapter = TypeAdapter(annotation, config=_ARBITRARY)
    except Exception:
        try:
            adapter = TypeAdapter(annotation)
        except Exception:  # a type pydantic cannot check: leave it to the component
            adapter = None
    with contextlib.suppress(TypeError):  # unhashable annotations are not cached
        _ADAPTERS[annotation] = adapter
    return adapter
