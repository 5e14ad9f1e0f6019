"""Tools a model can call."""

from ._info import ToolChoice, ToolFunction, ToolInfo

__all__ = ["ToolChoice", "ToolFunction", "ToolInfo"]
