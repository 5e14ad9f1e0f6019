"""The suite JSON Schema, generated from the format's pydantic models (`_format.py`).

Two forms of one schema: `strict_schema()` checks a suite after `${{ }}` interpolation
(the loader's check); `suite_schema()`, checked in as `schemas/suite.schema.json` for
editors, also accepts a `${{ }}` expression as any value, since the file is written
before its expressions are evaluated.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from .._util.schema import subschemas

SCHEMA_ID = "https://evalrunner.dev/schemas/suite.schema.json"
_EXPRESSION = "expression"
# A string holding `${{ ... }}` anywhere: what the loader replaces before its check.
_EXPRESSION_SCHEMA = {
    "type": "string",
    "pattern": r"\$\{\{[\s\S]*\}\}",
    "description": "A ${{ expression }} over params, env and suite, evaluated when the "
                   "suite loads.",
}
# Keywords that describe a value rather than constrain it: they stay outside a wrapper.
_NOTES = ("description", "default", "examples")


class _Generator(GenerateJsonSchema):
    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        # `X | None` in a model means the key is optional; a suite never writes null.
        return self.generate_inner(schema["schema"])

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        out = super().dict_schema(schema)
        patterns = out.get("patternProperties")
        if patterns and len(patterns) == 1 and "additionalProperties" not in out:
            # A key pattern restricts the key names (pydantic would only match them).
            ((pattern, values),) = patterns.items()
            del out["patternProperties"]
            out["propertyNames"] = {"pattern": pattern}
            if values:
                out["additionalProperties"] = values
        return out


@lru_cache(maxsize=1)
def _strict() -> dict[str, Any]:
    from ._format import Sample, SuiteFile

    _, top = models_json_schema(
        [(SuiteFile, "validation"), (Sample, "validation")],
        schema_generator=_Generator,
        ref_template="#/$defs/{model}",
    )
    defs: dict[str, Any] = top["$defs"]
    root = defs.pop("SuiteFile")
    root.pop("title")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "evalrunner suite",
        **root,
        "$defs": dict(sorted(defs.items())),
    }
    _tidy(schema)
    return schema


def strict_schema() -> dict[str, Any]:
    """The schema of an interpolated suite: what the loader checks."""
    return copy.deepcopy(_strict())


def suite_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of suite files as written, `${{ }}` included."""
    schema = strict_schema()
    _accept_expressions(schema, value=False)
    schema["$defs"][_EXPRESSION] = dict(_EXPRESSION_SCHEMA)
    return schema


def _tidy(node: dict[str, Any]) -> None:
    """No generated titles or null defaults; `x-` keys free in every closed mapping."""
    if "$schema" not in node:
        node.pop("title", None)
    if "default" in node and node["default"] is None:
        del node["default"]
    if node.get("additionalProperties") is False:
        node["patternProperties"] = {"^x-": True, **node.get("patternProperties", {})}
    for _, sub in subschemas(node):
        _tidy(sub)


def _accept_expressions(node: dict[str, Any], value: bool) -> None:
    """Let every value position also take a `${{ }}` string (`value`: node is one)."""
    for key, sub in subschemas(node):
        _accept_expressions(sub, value=key in ("properties", "additionalProperties", "items",
                                              "patternProperties", "prefixItems"))
    if not value or _takes_any_string(node):
        return
    ref = {"$ref": f"#/$defs/{_EXPRESSION}"}
    if "anyOf" in node:
        node["anyOf"].append(ref)
        return
    inner = {k: v for k, v in node.items() if k not in _NOTES}
    for key in inner:
        del node[key]
    node["anyOf"] = [inner, ref]


def _takes_any_string(node: dict[str, Any]) -> bool:
    checks = {k for k in node if k not in _NOTES}
    return not checks or (checks == {"type"} and node["type"] == "string")
