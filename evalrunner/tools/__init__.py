"""Tools a model can call."""

from ._decorator import tool
from ._environment import tool_environment
from ._info import ToolChoice, ToolFunction, ToolInfo
from ._schema import json_schema, tool_info
from ._skills import Skill, install_skills, read_skills
from ._subprocess import ExecResult, concurrency, subprocess
from ._tool import Tool, ToolError, execute_tools
from ._tool_def import ToolDef, tool_with
from ._viewer import ToolCallContent, ToolCallView, ToolCallViewer

__all__ = [
    "ExecResult",
    "Skill",
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
    "install_skills",
    "json_schema",
    "read_skills",
    "subprocess",
    "tool",
    "tool_environment",
    "tool_info",
    "tool_with",
]
