"""`handoff`: hand the conversation to another agent (`{handoff: {agent: {react: {...}}}}`)."""

from __future__ import annotations

from typing import Any

from ...registry._decorators import registering_decorator


def handoff(agent: Any, name: str | None = None, description: str | None = None) -> Any:
    """A `transfer_to_<name>` tool: `agent` (a solver entry, usually `react`) continues the
    conversation, and what it adds joins the caller's conversation."""
    from ...solvers._agents import handoff_of
    from ...solvers.builtin._entries import make_solvers

    (made,) = make_solvers(agent)
    return handoff_of(made, name, description)


registering_decorator("tool", handoff, "handoff", component_args={"agent": "solver"})
