"""`handoff`: hand the conversation to another agent (`{handoff: {agent: {react: {...}}}}`)."""

from __future__ import annotations

from typing import Any

from ...registry._decorators import registering_decorator


def handoff(agent: Any, name: str | None = None, description: str | None = None,
            input_filter: str | None = None, output_filter: str | None = "content_only",
            tool_name: str | None = None) -> Any:
    """A `transfer_to_<name>` tool: `agent` (an agent or solver entry) continues the
    conversation (as `input_filter` shapes it), and what it adds (as `output_filter` shapes
    it: `content_only`, `last_message`, `remove_tools`, `file.py@fn`, or null for all of
    it) joins the caller's conversation."""
    from ...agent import handoff as agent_handoff
    from ...solvers.builtin._entries import make_solvers

    (made,) = make_solvers(agent)
    return agent_handoff(made, description, input_filter=input_filter,
                         output_filter=output_filter, tool_name=tool_name, name=name)


registering_decorator("tool", handoff, "handoff", component_args={
    "agent": "solver", "input_filter": "text_or_function", "output_filter": "text_or_function"})
