"""`tool_with`: a tool under another name, description or parameter names, from YAML.

`{tool_with: {tool: bash, name: shell, parameters: {cmd: {name: command}}}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...registry._decorators import registering_decorator
from .._tool_def import ParameterChange
from .._tool_def import tool_with as _tool_with


def tool_with(
    tool: Any, name: str | None = None, description: str | None = None,
    parameters: Mapping[str, ParameterChange] | None = None, parallel: bool | None = None,
) -> Any:
    """`tool` (a tool entry: `bash`, `{bash: {timeout: 30}}`, `tools.py@add`) renamed or
    re-described; `parameters` maps a parameter to its new description or to
    `{name: ..., description: ...}`; `parallel: false` runs its calls one at a time."""
    from ...solvers.builtin._entries import make_tools

    made = make_tools(tool)
    if len(made) != 1 or not hasattr(made[0], "info"):
        raise ValueError("tool_with takes one tool (not a list or an MCP server)")
    return _tool_with(made[0], name, description, parameters, parallel)


registering_decorator("tool", tool_with, "tool_with", component_args={"tool": "tool"})
