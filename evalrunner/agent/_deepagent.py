"""`deepagent`: an agent for work of several steps, as Claude Code and Codex CLI do it: a
plan (the `todo_write` tool), subagents it gives self-contained tasks to (the `agent` tool),
and optionally background dispatch (a subagent runs as a task the agent checks later).

It is `react` with those tools and a system prompt that says how to use them. Each
subagent is a `react` loop of its own (`{name, description, prompt, tools, model}`) or any
agent entry (`{name, description, agent: agent.py@x}`); it sees only the task it is given.
"""

from __future__ import annotations

from typing import Any

from ..solvers._solver import solver
from ._agent import AgentFn, agent_with, to_agent
from ._dispatch import agent_tool, background_scope, lifecycle_tools
from ._react import react
from ._state import AgentState

DEFAULT_PROMPT = """You are an autonomous agent working on a task of several steps.

- Plan before you act: write the steps with todo_write, mark each in_progress when you
  start it and completed when it is done.
- Delegate self-contained parts to subagents with the agent tool. A subagent sees nothing
  of this conversation: give it everything it needs in its prompt.
- Check what subagents tell you before you rely on it."""
NO_PLAN = "- Work step by step."
BACKGROUND = """- A subagent given background=true works while you go on; its AGENT-N handle
  lets you check it (agent_status), wait for it (agent_wait) or cancel it (agent_cancel).
  Wait for every answer you need before you submit."""
GENERAL = {"name": "general", "description": "A general-purpose agent with the same tools as "
           "yours, for a self-contained part of the task.",
           "prompt": "You are a capable assistant doing one self-contained task for another "
           "agent. Do it and reply with the result, complete and concise."}
DEFAULT_BACKGROUND = 8  # background agents running at once, with `background: true`


@solver(component_args={"tools": "tool"}, template_args=("prompt",))
def deepagent(
    name: str | None = None,
    description: str | None = None,
    prompt: str | None = None,
    instructions: str | None = None,
    tools: Any = None,
    subagents: list[dict[str, Any]] | None = None,
    todo_write: bool = True,
    background: bool | int = False,
    model: str | None = None,
    attempts: int | dict[str, Any] = 1,
    submit: bool | dict[str, str] = True,
    on_continue: str | bool | None = None,
    compaction: dict[str, Any] | None = None,
) -> AgentFn:
    """A planning, delegating agent (see the module docstring).

    `prompt` replaces the system prompt, `instructions` are added to it; `tools` are the
    agent's own (the `general` subagent, the default one, gets them too); `subagents`:
    `{name, description, prompt, tools, model, compaction}` or `{name, description,
    agent}`; `todo_write`: give it the plan tool; `background`: true (up to 8 at once) or a
    count allows background dispatch; the rest are `react`'s.
    """
    limit = _background_limit(background)
    made = {spec["name"]: _subagent(spec, tools, model, compaction)
            for spec in (subagents if subagents is not None else [GENERAL])}
    own = [*_list(tools), *(["todo_write"] if todo_write else []),
           agent_tool(made, limit > 0), *(lifecycle_tools() if limit else [])]
    text = prompt or "\n".join([DEFAULT_PROMPT if todo_write else NO_PLAN,
                                *([BACKGROUND] if limit else [])])
    if instructions:
        text += "\n\n" + instructions
    main = react(name=name or "deepagent", description=description, prompt=text, tools=own,
                 model=model, attempts=attempts, submit=submit, on_continue=on_continue,
                 compaction=compaction)

    async def execute(state: AgentState) -> AgentState:
        async with background_scope(max(limit, 1)):
            return await main.execute(state)

    return AgentFn(execute, name or "deepagent", description or "An agent that plans, "
                   "delegates to subagents and checks their work.", named=name is not None)


def _subagent(spec: dict[str, Any], tools: Any, model: str | None,
              compaction: dict[str, Any] | None) -> AgentFn:
    """A subagent from its spec; tools, model and compaction default to the deepagent's."""
    unknown = set(spec) - {"name", "description", "prompt", "tools", "model", "compaction",
                           "agent"}
    if unknown or "name" not in spec or "description" not in spec:
        raise ValueError("a subagent is {name, description, prompt, tools, model, "
                         "compaction} or {name, description, agent}; got "
                         f"{', '.join(sorted(spec))}")
    if "agent" in spec:
        from ..solvers.builtin._entries import make_solvers

        (entry,) = make_solvers(spec["agent"])
        return agent_with(to_agent(entry), name=spec["name"], description=spec["description"])
    return react(name=spec["name"], description=spec["description"],
                 prompt=spec.get("prompt", GENERAL["prompt"]),
                 tools=spec.get("tools", tools), model=spec.get("model", model), submit=False,
                 compaction=spec.get("compaction", compaction))


def _background_limit(background: bool | int) -> int:
    if background is True:
        return DEFAULT_BACKGROUND
    if background is False:
        return 0
    if background < 1:
        raise ValueError("background is true, false or how many may run at once (1 or more)")
    return background


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
