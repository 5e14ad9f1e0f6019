"""The suite JSON Schema, and its errors turned into located, plain-spoken messages."""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .._util.resources import data_dir
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
def _schema_text() -> str:
    return (data_dir("schemas") / "suite.schema.json").read_text(encoding="utf-8")


def suite_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of suite files."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(suite_schema())


def check_schema(data: Any, rep: Reporter) -> None:
    """Report every schema violation of `data` at the key or value it concerns."""
    already = rep.error_paths()  # a value YAML could not read gets no second error
    for error in _validator().iter_errors(data):
        if tuple(error.absolute_path) not in already:
            _report(error, rep)


def _report(error: ValidationError, rep: Reporter) -> None:
    path: Path_ = tuple(error.absolute_path)
    value: Any = error.instance
    wanted: Any = error.validator_value
    kind = error.validator
    if kind == "additionalProperties":
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

