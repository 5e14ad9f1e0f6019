"""Walking JSON Schemas: the sub-schemas of a node, by the keyword that holds them."""

from __future__ import annotations

from typing import Any

# Keywords whose value is a mapping of schemas, one schema, or a list of schemas.
_MAPS = ("properties", "patternProperties", "$defs")
_ONES = ("additionalProperties", "items", "if", "then", "else", "not", "propertyNames")
_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")


def subschemas(node: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(keyword, sub-schema) pairs of a schema node; `true`/`false` schemas are left out."""
    out: list[tuple[str, Any]] = []
    for key in _MAPS:
        out.extend((key, sub) for sub in node.get(key, {}).values())
    out.extend((key, node[key]) for key in _ONES if key in node)
    for key in _LISTS:
        out.extend((key, sub) for sub in node.get(key, []))
    return [(key, sub) for key, sub in out if isinstance(sub, dict)]


def drop_titles(node: dict[str, Any]) -> None:
    """Remove the titles pydantic generates (noise for a model or an editor), in place."""
    node.pop("title", None)
    for _, sub in subschemas(node):
        drop_titles(sub)
