"""The `agent` tool of `deepagent`: run a subagent now, or in the background as a task the
main agent checks later (`agent_status`, `agent_wait`, `agent_cancel`, `agent_list`).

Background agents belong to the deepagent run that started them (a context variable set
for its loop): they share the sample's store and limits, their events form `agent` spans
alongside the main agent's, and those still running when it ends are cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from .._util.context import ContextField, sample_field
from ..model._chat import ChatMessageUser
from ..tools._info import ToolInfo
from ..tools._tool import ToolError
from ._agent import AgentFn
from ._run import run_in_span
from ._state import AgentState


@dataclass
class _Dispatched:
    name: str
    task: asyncio.Task[AgentState]


@dataclass
class _Background:
    limit: int
    agents: dict[str, _Dispatched] = field(default_factory=dict)

    def running(self) -> int:
        return sum(not d.task.done() for d in self.agents.values())


_current: ContextField[_Background | None] = sample_field("background")


@contextlib.asynccontextmanager
async def background_scope(limit: int) -> AsyncIterator[None]:
    """Background agents may be started inside; those still running at the end are
    cancelled (and awaited: none outlives the sample)."""
    background = _Background(limit)
    token = _current.set(background)
    try:
        yield
    finally:
        _current.reset(token)
        left = [d.task for d in background.agents.values() if not d.task.done()]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)


def agent_tool(subagents: dict[str, AgentFn], background: bool) -> Any:
    """The `agent(subagent_type, prompt[, background])` tool."""

    async def execute(subagent_type: str, prompt: str, background: bool = False) -> str:
        chosen = subagents.get(subagent_type)
        if chosen is None:
            raise ToolError(f"no subagent {subagent_type!r} (there are: "
                            f"{', '.join(subagents)})")
        state = AgentState(messages=[ChatMessageUser(content=prompt)])
        if not background:
            result = await run_in_span(chosen, state, "agent", subagent_type)
            return result.output.completion
        return _start(subagent_type, chosen, state)

    properties: dict[str, Any] = {
        "subagent_type": {"type": "string", "enum": list(subagents),
                          "description": "Which subagent does the work."},
        "prompt": {"type": "string", "description": "The whole task for the subagent: it "
                   "sees nothing of this conversation."},
    }
    if background:
        properties["background"] = {"type": "boolean", "description": "Run it in the "
                                    "background and go on; check it with agent_status or "
                                    "agent_wait."}
    listed = "\n".join(f"- {name}: {a.agent_description}" for name, a in subagents.items())
    execute.info = ToolInfo(  # type: ignore[attr-defined]
        name="agent", description=f"Give a task to a subagent:\n{listed}",
        parameters={"type": "object", "properties": properties,
                    "required": ["subagent_type", "prompt"]})
    return execute


def _start(name: str, chosen: AgentFn, state: AgentState) -> str:
    background = _current.get()
    if background is None:
        raise ToolError("background agents run only inside a deepagent")
    if background.running() >= background.limit:
        raise ToolError(f"{background.limit} background agents are running: wait for one "
                        "to finish (agent_wait) first")
    agent_id = f"AGENT-{len(background.agents) + 1}"
    task = asyncio.create_task(run_in_span(chosen, state, "agent", name))
    background.agents[agent_id] = _Dispatched(name, task)
    return f"{agent_id} started ({name}). Check it with agent_status or agent_wait."


def _status(agent_id: str, dispatched: _Dispatched) -> str:
    task = dispatched.task
    if not task.done():
        return f"{agent_id} ({dispatched.name}): running"
    if task.cancelled():
        return f"{agent_id} ({dispatched.name}): cancelled"
    error = task.exception()
    if error is not None:
        return f"{agent_id} ({dispatched.name}): error: {error}"
    return f"{agent_id} ({dispatched.name}): completed\n{task.result().output.completion}"


def _find(agent_id: str) -> _Dispatched:
    background = _current.get()
    dispatched = background.agents.get(agent_id) if background else None
    if dispatched is None:
        raise ToolError(f"no background agent {agent_id!r}")
    return dispatched


def lifecycle_tools() -> list[Any]:
    """agent_status, agent_wait, agent_cancel and agent_list."""

    async def agent_status(agent_id: str) -> str:
        return _status(agent_id, _find(agent_id))

    async def agent_wait(agent_ids: list[str], timeout: float | None = None) -> str:
        found = {agent_id: _find(agent_id) for agent_id in agent_ids}
        tasks = [d.task for d in found.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        return "\n\n".join(_status(agent_id, d) for agent_id, d in found.items())

    async def agent_cancel(agent_id: str) -> str:
        dispatched = _find(agent_id)
        dispatched.task.cancel()
        await asyncio.gather(dispatched.task, return_exceptions=True)
        return _status(agent_id, dispatched)

    async def agent_list() -> str:
        background = _current.get()
        agents = background.agents if background else {}
        return "\n".join(_status(i, d).split("\n")[0] for i, d in agents.items()) or "none"

    one_id = {"agent_id": {"type": "string", "description": "The AGENT-N handle."}}
    specs: list[tuple[Any, str, dict[str, Any], list[str]]] = [
        (agent_status, "The status of a background agent (its answer once completed), "
         "without waiting.", one_id, ["agent_id"]),
        (agent_wait, "Wait until the background agents finish (or `timeout` seconds pass); "
         "their status and answers.",
         {"agent_ids": {"type": "array", "items": {"type": "string"}},
          "timeout": {"type": "number"}}, ["agent_ids"]),
        (agent_cancel, "Cancel a background agent.", one_id, ["agent_id"]),
        (agent_list, "Every background agent and its status.", {}, []),
    ]
    for fn, description, properties, required in specs:
        fn.info = ToolInfo(name=fn.__name__, description=description, parameters={
            "type": "object", "properties": properties, "required": required})
    return [spec[0] for spec in specs]
