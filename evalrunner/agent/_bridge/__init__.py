"""The bridge's endpoint for agents written without evalrunner: the task's model served as
OpenAI Chat Completions, OpenAI Responses and Anthropic Messages (`_server`), one module per
wire format. The `bridge` plan step (solvers/builtin/bridge.py) runs agents against it."""

from ._server import BridgeServer

__all__ = ["BridgeServer"]
