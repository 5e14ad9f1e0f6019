"""The suite JSON Schema's errors turned into located, plain-spoken messages."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ._generate import strict_schema
from ._report import Reporter, label
from ._yaml import Path_

_TYPE_NAMES = {
    "string": "text",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(strict_schema())


def check_schema(data: Any, rep: Reporter) -> None:
    """Report every schema violation of interpolated `data` at the key or value it concerns."""
    already = rep.error_paths()  # a value YAML could not read gets no second error
    for error in _validator().iter_errors(data):
        _report(error, rep, already)


def _report(error: ValidationError, rep: Reporter, already: set[Path_]) -> None:
    path: Path_ = tuple(error.absolute_path)
    if path in already:
        return
    value: Any = error.instance
    wanted: Any = error.validator_value
    kind = error.validator
    if kind == "anyOf":
        _any_of(error, path, rep, already)
    elif kind == "additionalProperties":
        _unknown_keys(error, path, rep)
    elif kind == "required":
        missing = [k for k in wanted if k not in value]
        for key in missing:
            rep.error(path, f"{label(path)}: missing required key '{key}'")
    elif kind == "type":
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        names = _either([_TYPE_NAMES.get(w, w) for w in wanted])
        hint = rep.hint(path, value, "string" in wanted)
        rep.error(path, f"{label(path)}: expected {names}, got {rep.got(path, value)}{hint}")
    elif kind == "enum":
        options = ", ".join(json.dumps(o) for o in wanted)
        rep.error(path, f"{label(path)}: must be one of {options}; got {rep.got(path, value)}")
    elif kind in ("minimum", "exclusiveMinimum"):
        bound = "at least" if kind == "minimum" else "more than"
        rep.error(path, f"{label(path)}: must be {bound} {wanted}, got {value}")
    elif kind in ("minItems", "minLength", "minProperties"):
        rep.error(path, f"{label(path)}: must not be empty")
    elif kind == "pattern" and "propertyNames" in error.absolute_schema_path:
        rep.error(
            (*path, value),
            f"'{value}' is not a valid name here: use letters, digits and '_'",
            at_key=True,
        )
    elif kind == "pattern":
        rep.error(
            path,
            f"{label(path)}: {json.dumps(value)} is not a valid name: "
            "use letters, digits, '_', '.' and '-'",
        )
    else:
        rep.error(path, f"{label(path)}: {error.message}")


def _any_of(error: ValidationError, path: Path_, rep: Reporter, already: set[Path_]) -> None:
    """One of several forms: the form the value has explains it, else the forms are listed.

    A branch "has the value's form" when it raised no type error at the value itself;
    of those, the one with the fewest errors is reported (a mapping's unknown key, not
    every other form it could have had).
    """
    branches = _branches(error)
    fitting = [errors for errors in branches if not any(_wrong_type(e) for e in errors)]
    if fitting:
        for sub in min(fitting, key=len):
            _report(sub, rep, already)
        return
    wanted = _types(error)
    names = _either([_TYPE_NAMES.get(w, w) for w in wanted])
    hint = rep.hint(path, error.instance, "string" in wanted)
    rep.error(path, f"{label(path)}: expected {names}, got {rep.got(path, error.instance)}{hint}")


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    """An anyOf error's sub-errors, grouped by the branch that raised them."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    return list(branches.values())


def _wrong_type(error: ValidationError) -> bool:
    """A type error at the value itself, or a nested anyOf none of whose forms it has."""
    if error.relative_path:
        return False
    if error.validator == "anyOf":
        return all(any(_wrong_type(e) for e in errors) for errors in _branches(error))
    return error.validator == "type"


def _types(error: ValidationError) -> list[str]:
    """The JSON types a wrong-typed value could have had, in the schema's order."""
    if error.validator == "type":
        value: Any = error.validator_value
        return [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for errors in _branches(error):
        for sub in errors:
            if _wrong_type(sub):
                out.extend(t for t in _types(sub) if t not in out)
    return out


def _either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"


def _unknown_keys(error: ValidationError, path: Path_, rep: Reporter) -> None:
    schema: Any = error.schema
    instance: Any = error.instance
    known = sorted(schema.get("properties", {}))
    for key in instance:
        if key in known or key.startswith("x-"):
            continue
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
        elif known:
            hint = f" (known keys: {', '.join(known)}; x-... keys are free for your own use)"
        else:
            hint = ""
        rep.error((*path, key), f"unknown key '{key}' in {label(path)}{hint}", at_key=True)

