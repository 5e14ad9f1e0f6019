"""Agents in Python, as Inspect's `inspect_ai.agent` has them.

An agent is `async def execute(state: AgentState) -> AgentState`, made by a factory
decorated with `@agent`. An agent is also a plan step (`plan: [agent.py@my_agent]`, or
`as_solver(agent)`), a tool (`as_tool`) or a handoff target (`handoff`, with message
filters); `run(agent, input)` runs one on a conversation. `react` is the same agent loop
a suite's `react:` step runs, `deepagent` plans and delegates to subagents, and
`yaml_agent` makes an agent from a suite-style entry.
"""

from ._agent import AgentFn, agent, agent_with, is_agent
from ._deepagent import deepagent
from ._filter import content_only, last_message, remove_tools
from ._react import react
from ._run import as_solver, run
from ._state import Agent, AgentState, MessageFilter
from ._tools import as_tool, handoff
from ._yaml import yaml_agent

__all__ = [
    "Agent", "AgentFn", "AgentState", "MessageFilter", "agent", "agent_with", "as_solver",
    "as_tool", "content_only", "deepagent", "handoff", "is_agent", "last_message", "react",
    "remove_tools", "run", "yaml_agent",
]
