"""Running agents: `run` (an agent on a conversation), `as_solver` (an agent as a plan step),
and the sample state an agent loop works on."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..events._transcript import span
from ..model._chat import ChatMessageBase, ChatMessageUser, as_messages
from ..solvers._store import current_state, sample_scope
from ..solvers._task_state import TaskState
from ._agent import agent_name
from ._state import AgentState

if TYPE_CHECKING:
    from ..solvers._solver import Generate, Solver


async def run(agent: Any, input: str | list[ChatMessageBase] | AgentState, *,
              name: str | None = None, **agent_kwargs: Any) -> AgentState:
    """Run `agent` on a copy of `input` (a text, messages or a state) and return its state.

    Inside a sample the agent shares the sample's store, limits and approval policy, its
    token usage counts towards the sample's, and its events form an `agent` span.
    """
    if isinstance(input, AgentState):
        state = copy.deepcopy(input)
    else:
        state = AgentState(messages=as_messages(input if isinstance(input, str)
                                                else list(input)))
    return await run_in_span(agent, state, "agent", agent_name(agent, name), **agent_kwargs)


async def run_in_span(agent: Any, state: AgentState, kind: str, name: str,
                      **agent_kwargs: Any) -> AgentState:
    from ._agent import to_agent

    with span(kind, name):
        result: AgentState = await to_agent(agent).execute(state, **agent_kwargs)
    return result


def as_solver(agent: Any, **agent_kwargs: Any) -> Solver:
    """A plan step running `agent` on the sample's conversation; its output is the sample's."""

    async def solve(state: TaskState, generate: Generate | None = None) -> TaskState:
        from ._agent import to_agent

        agent_state = AgentState(messages=state.messages)
        agent_state._task = state
        result = await to_agent(agent).execute(agent_state, **agent_kwargs)
        state.messages = result.messages
        state.output = result.output
        return state

    solve.agent_name = agent_name(agent)  # type: ignore[attr-defined]
    return solve


@contextmanager
def task_state_of(state: AgentState) -> Iterator[TaskState]:
    """The sample state an agent loop works on for `state`; what it did goes back into it.

    It is the sample itself for the sample's own conversation (`as_solver`); otherwise a
    sub-sample holding the agent's conversation that shares the running sample's store
    (and model, id and target), whose token usage and compactions count as the sample's.
    """
    if state._task is not None:
        task = state._task
        task.messages = state.messages
        yield task
        state.messages, state.output = task.messages, task.output
        return
    parent = current_state()
    sub = _sub_state(parent, state.messages)
    try:
        with sample_scope(sub):
            yield sub
    finally:
        state.messages, state.output = sub.messages, sub.output
        if parent is not None:
            parent.token_usage = parent.token_usage + sub.token_usage
            parent.compactions.extend(sub.compactions)


def _sub_state(parent: TaskState | None, messages: list[ChatMessageBase]) -> TaskState:
    first = next((m.text for m in messages if isinstance(m, ChatMessageUser)), "")
    if parent is None:
        from ..model._get import get_model

        return TaskState(model=get_model().name, sample_id=0, epoch=1, input=first,
                         messages=messages)
    sub = TaskState(model=parent.model, sample_id=parent.sample_id, epoch=parent.epoch,
                    input=first, messages=messages, target=parent.target.target,
                    metadata=parent.metadata)
    sub.store = parent.store
    if parent.token_limit is not None:  # the sample's token limit bounds its agents too
        sub.token_limit = max(parent.token_limit - parent.token_usage.total_tokens, 0)
    return sub


def solver_agent(solver: Any) -> Any:
    """The execute function of an agent that runs a plan step on its conversation."""

    async def execute(state: AgentState) -> AgentState:
        from ..runner._generate import task_generate

        with task_state_of(state) as task:
            result = await solver(task, task_generate)
            task.messages, task.output = result.messages, result.output
        return state

    return execute
