"""`as_tool`: another agent as a tool (`{as_tool: {agent: {react: {...}}}}`)."""

from __future__ import annotations

from typing import Any

from ...registry._decorators import registering_decorator


def as_tool(agent: Any, name: str | None = None, description: str | None = None) -> Any:
    """Run `agent` (an agent or solver entry: `react`, `agent.py@my_agent`) on the input the
    model gives; its answer is the tool's result. `name` and `description` default to the
    agent's."""
    from ...agent import as_tool as agent_as_tool
    from ...solvers.builtin._entries import make_solvers

    (made,) = make_solvers(agent)
    return agent_as_tool(made, description, name=name)


registering_decorator("tool", as_tool, "as_tool", component_args={"agent": "solver"})
