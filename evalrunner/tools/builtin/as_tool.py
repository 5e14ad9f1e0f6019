"""`as_tool`: another agent as a tool (`{as_tool: {agent: {react: {...}}}}`)."""

from __future__ import annotations

from typing import Any

from ...registry._decorators import registering_decorator


def as_tool(agent: Any, name: str | None = None, description: str | None = None) -> Any:
    """Run `agent` (a solver entry, usually `react`) on the input the model gives; its answer
    is the tool's result. `name` and `description` default to the agent's."""
    from ...solvers._agents import as_tool_of
    from ...solvers.builtin._entries import make_solvers

    (made,) = make_solvers(agent)
    return as_tool_of(made, name, description)


registering_decorator("tool", as_tool, "as_tool", component_args={"agent": "solver"})
