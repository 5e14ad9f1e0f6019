"""Tools a model can call."""

from ._decorator import json_schema, tool, tool_info
from ._info import ToolChoice, ToolFunction, ToolInfo
from ._tool import Tool, ToolError, execute_tools

__all__ = [
    "Tool",
    "ToolChoice",
    "ToolError",
    "ToolFunction",
    "ToolInfo",
    "execute_tools",
    "json_schema",
    "tool",
    "tool_info",
]
