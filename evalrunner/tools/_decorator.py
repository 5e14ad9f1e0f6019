"""@tool: a Python function becomes a tool whose JSON schema comes from its signature."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..registry._decorators import registering_decorator
from ._schema import ToolSignature
from ._viewer import ToolCallViewer


def tool(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    prompt: str | None = None,
    params: dict[str, str] | None = None,
    parallel: bool = True,
    viewer: ToolCallViewer | None = None,
) -> Any:
    """Register a tool factory: a function returning `async def execute(...)`.

    The returned function's type hints and its docstring (Google, NumPy or reST style)
    become the tool's JSON schema, and the model's arguments are converted to the hinted
    types (an Enum member, a pydantic model) before the call. `params` fills arguments from
    the sample (`metadata.key`) instead of the model; they are left out of the schema.
    `parallel=False`: calls of this tool in one assistant turn run one after another (calls
    of other tools still run beside them). `viewer` shows a call in the log viewer.
    """

    def wrap(factory: Callable[..., Any]) -> Any:
        tool_name = name or factory.__name__

        def create(*args: Any, **kwargs: Any) -> Any:
            execute = factory(*args, **kwargs)
            signature = ToolSignature(execute, hidden=set(params or {}))
            execute.info = signature.info(tool_name)
            execute.convert_arguments = signature.convert
            # A factory may offer providers' own versions of its tool (web_search).
            execute.info.native = getattr(execute, "native", None)
            execute.prompt = prompt
            execute.sample_params = dict(params or {})
            # A factory may have set its own (a viewer that needs the tool's options).
            execute.parallel = getattr(execute, "parallel", parallel)
            execute.viewer = getattr(execute, "viewer", None) or viewer
            return execute

        create.__name__ = factory.__name__
        create.__module__ = factory.__module__  # where it comes from: a user file or built-in
        create.__doc__ = factory.__doc__
        create.__signature__ = _signature(factory)  # type: ignore[attr-defined]
        return registering_decorator("tool", create, tool_name)

    return wrap(fn) if fn is not None else wrap


def _signature(factory: Callable[..., Any]) -> inspect.Signature:
    """The factory's signature with its annotations evaluated where they can be, so a
    suite's arguments are checked against real types, not their names."""
    try:
        return inspect.signature(factory, eval_str=True)
    except (NameError, TypeError, SyntaxError):
        return inspect.signature(factory)
