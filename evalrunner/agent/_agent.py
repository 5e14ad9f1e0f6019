"""`@agent`: agents that are also plan steps, named for the agents and tools that use them."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ParamSpec, overload

from ..registry._decorators import registering_decorator
from ._state import Agent, AgentState

if TYPE_CHECKING:
    from ..solvers._task_state import TaskState

P = ParamSpec("P")


class AgentFn:
    """An agent with a name and a description.

    Called with an `AgentState` it is the agent; called as a plan step (a TaskState and
    `generate`) it runs as `as_solver(agent)` would, so a Python agent is a plan step as it
    is (`plan: [agent.py@my_agent]`) and the built-in agent solvers are agents.
    """

    def __init__(self, execute: Callable[..., Awaitable[AgentState]], name: str,
                 description: str | None = None, named: bool = True) -> None:
        self.execute = execute
        self.agent_name = name
        self.agent_description = description or f"The {name} agent."
        # False for `react()` without a name: an @agent factory returning it names it.
        self.named = named

    @overload
    async def __call__(self, state: AgentState, *args: Any, **kwargs: Any) -> AgentState: ...
    @overload
    async def __call__(self, state: TaskState, *args: Any, **kwargs: Any) -> TaskState: ...
    async def __call__(self, state: Any, *args: Any, **kwargs: Any) -> Any:
        from ..solvers._task_state import TaskState

        if isinstance(state, TaskState):
            from ._run import as_solver

            return await as_solver(self)(state, *args)
        return await self.execute(state, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<agent {self.agent_name}>"


@overload
def agent(fn: Callable[P, Agent]) -> Callable[P, AgentFn]: ...
@overload
def agent(fn: None = None, *, name: str | None = None, description: str | None = None
          ) -> Callable[[Callable[P, Agent]], Callable[P, AgentFn]]: ...
def agent(fn: Any = None, *, name: str | None = None, description: str | None = None) -> Any:
    """Register an agent factory: a function returning `async def execute(state)`.

    The agent is named `name` (default: the factory's name) and described by `description`
    (default: the factory's docstring) for the tools `as_tool` and `handoff` make of it.
    """

    def wrap(factory: Callable[..., Any]) -> Any:
        agent_name = name or factory.__name__
        told = description or (factory.__doc__ or "").strip().split("\n\n")[0] or None

        @functools.wraps(factory)
        def create(*args: Any, **kwargs: Any) -> AgentFn:
            made = factory(*args, **kwargs)
            if isinstance(made, AgentFn):  # a factory returning `react(...)` or agent_with
                if made.named:
                    return made
                return AgentFn(made.execute, agent_name, told or made.agent_description)
            return AgentFn(made, agent_name, told)

        return registering_decorator("solver", create, agent_name, agent=True)

    return wrap(fn) if fn is not None else wrap


def agent_with(agent: Any, *, name: str | None = None,
               description: str | None = None) -> AgentFn:
    """The agent with another name or description (for `as_tool` and `handoff`)."""
    made = to_agent(agent)
    return AgentFn(made.execute, name or made.agent_name,
                   description or made.agent_description)


def is_agent(obj: Any) -> bool:
    """Whether `obj` was made by `@agent` (or `react`, `agent_with`)."""
    return isinstance(obj, AgentFn)


def to_agent(obj: Any, name: str | None = None) -> AgentFn:
    """`obj` as an agent: an agent as it is; any other plan step (a solver) run on the
    agent's conversation as a sub-sample of the running one."""
    if isinstance(obj, AgentFn):
        return obj
    from ._run import solver_agent

    return AgentFn(solver_agent(obj), agent_name(obj, name),
                   getattr(obj, "agent_description", None))


def agent_name(obj: Any, name: str | None = None) -> str:
    """A name usable in a tool name: the given one, the agent's, or its registry name."""
    found = name or getattr(obj, "agent_name", None) or getattr(
        obj, "__registry_name__", "agent")
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(found))
