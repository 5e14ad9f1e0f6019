"""Tools a model can call."""

from ._decorator import tool
from ._environment import tool_environment
from ._info import ToolChoice, ToolFunction, ToolInfo
from ._schema import json_schema, tool_info
from ._subprocess import ExecResult, concurrency, subprocess
from ._tool import Tool, ToolError, execute_tools

__all__ = [
    "ExecResult",
    "Tool",
    "ToolChoice",
    "ToolError",
    "ToolFunction",
    "ToolInfo",
    "concurrency",
    "execute_tools",
    "json_schema",
    "subprocess",
    "tool",
    "tool_environment",
    "tool_info",
]
