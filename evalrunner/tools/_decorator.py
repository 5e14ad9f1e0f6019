"""@tool: a Python function becomes a tool whose JSON schema comes from its signature."""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable
from typing import Any, Union, get_args, get_origin, get_type_hints

from ..registry._decorators import registering_decorator
from ._info import ToolInfo

_JSON_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def tool(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    prompt: str | None = None,
    params: dict[str, str] | None = None,
) -> Any:
    """Register a tool factory: a function returning `async def execute(...)`.

    The returned function's type hints and the `Args:` section of its docstring become the
    tool's JSON schema. `params` fills arguments from the sample (`metadata.key`) instead of
    the model; they are left out of the schema.
    """

    def wrap(factory: Callable[..., Any]) -> Any:
        tool_name = name or factory.__name__

        def create(*args: Any, **kwargs: Any) -> Any:
            execute = factory(*args, **kwargs)
            execute.info = tool_info(tool_name, execute, hidden=set(params or {}))
            # A factory may offer providers' own versions of its tool (web_search).
            execute.info.native = getattr(execute, "native", None)
            execute.prompt = prompt
            execute.sample_params = dict(params or {})
            return execute

        create.__name__ = factory.__name__
        create.__module__ = factory.__module__  # where it comes from: a user file or built-in
        create.__doc__ = factory.__doc__
        create.__signature__ = _signature(factory)  # type: ignore[attr-defined]
        return registering_decorator("tool", create, tool_name)

    return wrap(fn) if fn is not None else wrap


def _signature(factory: Callable[..., Any]) -> inspect.Signature:
    """The factory's signature with its annotations evaluated where they can be: the
    wrapper lives in another module, so string annotations could not be read later."""
    try:
        return inspect.signature(factory, eval_str=True)
    except (NameError, TypeError, SyntaxError):
        return inspect.signature(factory)


def tool_info(name: str, fn: Callable[..., Any], hidden: set[str] | None = None) -> ToolInfo:
    """Describe `fn` for a model: description and parameters from hints and docstring."""
    doc = inspect.getdoc(fn) or ""
    description, arg_docs = _parse_docstring(doc)
    hints = get_type_hints(fn)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(fn).parameters.values():
        skipped = param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
        if param.name in (hidden or set()) or skipped:
            continue
        schema = json_schema(hints.get(param.name, str))
        if param.name in arg_docs:
            schema["description"] = arg_docs[param.name]
        properties[param.name] = schema
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
    parameters = {"type": "object", "properties": properties, "required": required}
    return ToolInfo(name=name, description=description or name, parameters=parameters)


def json_schema(hint: Any) -> dict[str, Any]:
    """The JSON schema of a type hint (scalars, lists, dicts, optionals)."""
    if hint in _JSON_TYPES:
        return {"type": _JSON_TYPES[hint]}
    origin, args = get_origin(hint), get_args(hint)
    if origin in (list, tuple, set):
        return {"type": "array", "items": json_schema(args[0]) if args else {}}
    if origin is dict:
        return {"type": "object"}
    if origin in (Union, types.UnionType):
        options = [json_schema(a) for a in args if a is not type(None)]
        return options[0] if len(options) == 1 else {"anyOf": options}
    return {}


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The summary and the `Args:` entries (`name (type): text` or `name: text`)."""
    head, _, rest = doc.partition("Args:")
    args: dict[str, str] = {}
    current: str | None = None
    for line in rest.splitlines():
        if re.match(r"^\s*(Returns|Raises|Yields|Examples?):", line):
            break
        match = re.match(r"^\s*(\w+)\s*(\([^)]*\))?\s*:\s*(.*)$", line)
        if match:
            current = match.group(1)
            args[current] = match.group(3).strip()
        elif current and line.strip():
            args[current] += " " + line.strip()
    return head.strip(), args
