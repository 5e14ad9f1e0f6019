"""What a model is told about a Python tool: pydantic over its signature, its docstring.

Each parameter's JSON schema comes from `pydantic.TypeAdapter` over its type hint
(`Literal`, `Enum`, unions, nested models and dataclasses, `Annotated[..., Field(...)]`),
with the default the signature gives. Descriptions come from the docstring, in Google,
NumPy or reST style (`docstring_parser`). The same adapters turn the model's JSON
arguments into the annotated types (an `Enum` member, a model instance) before the call.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from functools import lru_cache
from typing import Any, get_type_hints

import docstring_parser
from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError

from .._util.schema import drop_titles
from ._info import ToolInfo


class ToolSignature:
    """The parameters of a tool function that the model fills (sample params are hidden)."""

    def __init__(self, fn: Callable[..., Any], hidden: set[str] | None = None) -> None:
        self.fn = fn
        hints = get_type_hints(fn, include_extras=True)
        self.params = [
            p for p in inspect.signature(fn).parameters.values()
            if p.name not in (hidden or set()) and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        # An unannotated parameter is text, as a model most often gives it.
        self.hints = {p.name: hints.get(p.name, str) for p in self.params}

    def info(self, name: str) -> ToolInfo:
        """The tool's description and JSON-schema parameters."""
        doc = docstring_parser.parse(inspect.getdoc(self.fn) or "")
        described = {p.arg_name: p.description for p in doc.params if p.description}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for param in self.params:
            schema = json_schema(self.hints[param.name])
            if param.name in described:
                schema["description"] = described[param.name]
            if param.default is param.empty:
                required.append(param.name)
            else:
                _set_default(schema, self.hints[param.name], param.default)
            properties[param.name] = schema
        summary = [doc.short_description, doc.long_description]
        description = "\n\n".join(part for part in summary if part)
        parameters = {"type": "object", "properties": properties, "required": required}
        return ToolInfo(name=name, description=description or name, parameters=parameters)

    def convert(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The model's JSON arguments as the annotated types; raises ValueError if one is not."""
        out = dict(arguments)
        for name, value in arguments.items():
            if name in self.hints:
                out[name] = _adapter(self.hints[name]).validate_python(value)
        return out


def tool_info(name: str, fn: Callable[..., Any], hidden: set[str] | None = None) -> ToolInfo:
    """Describe `fn` for a model: description and parameters from hints and docstring."""
    return ToolSignature(fn, hidden).info(name)


def json_schema(hint: Any) -> dict[str, Any]:
    """The JSON schema of a type hint, self-contained (no `$ref`, unless it is recursive)."""
    schema = _adapter(hint).json_schema()
    defs = schema.pop("$defs", None)
    if defs:
        try:
            schema = _inline(schema, defs, ())
        except _Recursive:  # a recursive type keeps its references
            schema["$defs"] = defs
    drop_titles(schema)
    return schema


def _adapter(hint: Any) -> TypeAdapter[Any]:
    try:
        return _cached_adapter(hint)
    except TypeError:  # an unhashable hint (Annotated with a dict, say)
        return TypeAdapter(hint)


@lru_cache(maxsize=512)
def _cached_adapter(hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(hint)


def _set_default(schema: dict[str, Any], hint: Any, default: Any) -> None:
    # A default JSON cannot show is still a default: the parameter stays optional.
    with contextlib.suppress(PydanticSerializationError, TypeError, ValueError):
        schema["default"] = _adapter(hint).dump_python(default, mode="json")


class _Recursive(Exception):
    pass


def _inline(node: Any, defs: dict[str, Any], seen: tuple[str, ...]) -> Any:
    """`node` with every `$ref` to `defs` replaced by the definition (many providers
    accept no `$ref` in tool parameters)."""
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if name in seen:
            raise _Recursive(name)
        siblings = {k: _inline(v, defs, seen) for k, v in node.items() if k != "$ref"}
        return {**_inline(defs[name], defs, (*seen, name)), **siblings}
    return {k: _inline(v, defs, seen) for k, v in node.items()}
