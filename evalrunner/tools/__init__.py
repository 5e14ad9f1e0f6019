"""Tools a model can call."""

from ._decorator import tool
from ._environment import tool_environment
from ._info import ToolChoice, ToolFunction, ToolInfo
from ._schema import json_schema, tool_info
from ._subprocess import ExecResult, concurrency, subprocess
from ._tool import Tool, ToolError, execute_tools
from ._tool_def import ToolDef, tool_with
from ._viewer import ToolCallContent, ToolCallView, ToolCallViewer

__all__ = [
    "ExecResult",
    "Tool",
    "ToolCallContent",
    "ToolCallView",
    "ToolCallViewer",
    "ToolChoice",
    "ToolDef",
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
    "tool_with",
]
