"""Agents given to other agents: as a tool (`as_tool`) or as a handoff target (`handoff`).

An agent is a solver (`react`, or any plan step). As a tool it runs on a fresh conversation
holding the input the calling model wrote and returns its answer; as a handoff it takes over
the conversation so far, and the turns it adds join the caller's conversation after the
handoff's tool result. Either way its events form an `agent` span, it shares the sample's
store and limits, and its token usage counts towards the sample's.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..events._transcript import span
from ..model._chat import ChatMessageAssistant, ChatMessageSystem
from ..tools._info import ToolInfo
from ._store import current_state, sample_scope
from ._task_state import TaskState


def agent_name(agent: Any, name: str | None) -> str:
    found = name or getattr(agent, "agent_name", None) or getattr(
        agent, "__registry_name__", "agent")
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(found))


def as_tool_of(agent: Any, name: str | None = None, description: str | None = None) -> Any:
    """A tool that runs `agent` on the text the model passes and returns its answer."""
    tool_name = agent_name(agent, name)

    async def execute(input: str) -> str:
        parent = _parent()
        sub = TaskState(model=parent.model, sample_id=parent.sample_id, epoch=parent.epoch,
                        input=input, target=parent.target.target, metadata=parent.metadata)
        sub.store = parent.store
        sub = await _run(agent, sub, "agent", tool_name)
        parent.token_usage = parent.token_usage + sub.token_usage
        return sub.output.completion

    execute.info = ToolInfo(  # type: ignore[attr-defined]
        name=tool_name,
        description=description or getattr(agent, "agent_description", None)
        or f"Ask the {tool_name} agent.",
        parameters={"type": "object",
                    "properties": {"input": {"type": "string",
                                             "description": "What to ask the agent."}},
                    "required": ["input"]},
    )
    return execute


def handoff_of(agent: Any, name: str | None = None, description: str | None = None) -> Any:
    """A `transfer_to_<name>` tool that hands the conversation to `agent`."""
    target = agent_name(agent, name)

    async def execute() -> str:
        parent = _parent()
        sub = copy.copy(parent)
        messages = list(parent.messages)
        if messages and isinstance(messages[-1], ChatMessageAssistant):
            messages.pop()  # the caller's turn that asked for the handoff
        sub.messages = copy.deepcopy(messages)
        sub.pending_messages = []
        sub.output = parent.output.model_copy(deep=True)
        start = len(sub.messages)
        sub = await _run(agent, sub, "handoff", target)
        added = [m for m in sub.messages[start:] if not isinstance(m, ChatMessageSystem)]
        parent.pending_messages.extend(added)
        parent.token_usage = sub.token_usage
        return f"Successfully transferred to {target}."

    execute.info = ToolInfo(  # type: ignore[attr-defined]
        name=f"transfer_to_{target}",
        description=description or getattr(agent, "agent_description", None)
        or f"Hand the conversation to the {target} agent.",
    )
    return execute


def _parent() -> TaskState:
    state = current_state()
    if state is None:
        raise RuntimeError("an agent tool runs only inside a sample")
    return state


async def _run(agent: Any, state: TaskState, kind: str, name: str) -> TaskState:
    from ..runner._generate import task_generate

    with span(kind, name), sample_scope(state):
        result: TaskState = await agent(state, task_generate)
    return result
