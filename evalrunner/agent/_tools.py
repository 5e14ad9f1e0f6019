"""Agents given to other agents: as a tool (`as_tool`) or as a handoff target (`handoff`).

As a tool an agent runs on a fresh conversation holding the input the calling model wrote
and returns its answer; as a handoff it takes over the conversation so far (through
`input_filter`), and the turns it adds (through `output_filter`) join the caller's
conversation after the handoff's tool result. Either way its events form a span of their
own (`agent`, `handoff`), and it shares the sample's store and limits.
"""

from __future__ import annotations

import copy
from typing import Any

from ..model._chat import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
from ..solvers._store import current_state
from ..tools._info import ToolInfo
from ._agent import agent_name, to_agent
from ._filter import FILTERS, content_only
from ._run import run_in_span
from ._state import AgentState, MessageFilter


def as_tool(agent: Any, description: str | None = None, *, name: str | None = None) -> Any:
    """A tool that runs `agent` on the text the model passes and returns its answer."""
    made = to_agent(agent, name)
    tool_name = agent_name(made, name)

    async def execute(input: str) -> str:
        state = AgentState(messages=[ChatMessageUser(content=input)])
        result = await run_in_span(made, state, "agent", tool_name)
        return result.output.completion

    execute.info = ToolInfo(  # type: ignore[attr-defined]
        name=tool_name,
        description=description or made.agent_description,
        parameters={"type": "object",
                    "properties": {"input": {"type": "string",
                                             "description": "What to ask the agent."}},
                    "required": ["input"]},
    )
    return execute


def handoff(agent: Any, description: str | None = None, *,
            input_filter: MessageFilter | str | None = None,
            output_filter: MessageFilter | str | None = content_only,
            tool_name: str | None = None, name: str | None = None) -> Any:
    """A `transfer_to_<name>` tool that hands the conversation to `agent`.

    `input_filter` shapes the conversation the agent gets; `output_filter` (default
    `content_only`) the turns it adds. A filter is a function or the name of a built-in
    one (`content_only`, `last_message`, `remove_tools`, or `file.py@fn`).
    """
    made = to_agent(agent, name)
    target = agent_name(made, name)
    given, taken = message_filter(input_filter), message_filter(output_filter)

    async def execute() -> str:
        parent = current_state()
        if parent is None:
            raise RuntimeError("a handoff runs only inside a sample")
        messages = list(parent.messages)
        if messages and isinstance(messages[-1], ChatMessageAssistant):
            messages.pop()  # the caller's turn that asked for the handoff
        messages = copy.deepcopy(messages)
        if given is not None:
            messages = await given(messages)
        known = {id(m) for m in messages}
        result = await run_in_span(made, AgentState(messages=messages), "handoff", target)
        # The agent's own system prompt never joins the caller's conversation.
        added = [m for m in result.messages
                 if id(m) not in known and not isinstance(m, ChatMessageSystem)]
        if taken is not None:
            added = await taken(added)
        parent.pending_messages.extend(added)
        return f"Successfully transferred to {target}."

    execute.info = ToolInfo(  # type: ignore[attr-defined]
        name=tool_name or f"transfer_to_{target}",
        description=description or made.agent_description,
    )
    return execute


def message_filter(value: MessageFilter | str | None) -> MessageFilter | None:
    """A filter given as itself, by a built-in's name, or as `file.py@fn`."""
    if value is None or callable(value):
        return value
    if value in FILTERS:
        return FILTERS[value]
    from ..solvers.builtin._entries import make_function, names_function

    if names_function(value):
        return make_function(value)  # type: ignore[no-any-return]
    raise ValueError(f"unknown message filter {value!r} (known: {', '.join(FILTERS)}, "
                     "or file.py@fn)")
