"""The agent protocol: an async function from an `AgentState` to an `AgentState`."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..model._chat import ChatMessageAssistant, ChatMessageBase
from ..model._output import ChatCompletionChoice, ModelOutput

if TYPE_CHECKING:
    from ..solvers._task_state import TaskState

MessageFilter = Callable[[list[ChatMessageBase]], Awaitable[list[ChatMessageBase]]]
"""Filters the messages given to a handoff agent, or those it hands back."""


class AgentState:
    """What an agent works on: the conversation, and the last model output."""

    def __init__(self, *, messages: list[ChatMessageBase]) -> None:
        self.messages: list[ChatMessageBase] = messages
        self._output: ModelOutput | None = None
        # The sample's TaskState when this state is that sample's conversation (`as_solver`):
        # an agent loop then works on the sample itself, its limits and scorers included.
        self._task: TaskState | None = None

    @property
    def output(self) -> ModelOutput:
        """The last model output; made from the last assistant message when none was set."""
        if self._output is None:
            last = next((m for m in reversed(self.messages)
                         if isinstance(m, ChatMessageAssistant)), None)
            choices = [ChatCompletionChoice(message=last.model_copy())] if last else []
            self._output = ModelOutput(choices=choices)
        return self._output

    @output.setter
    def output(self, output: ModelOutput) -> None:
        self._output = output

    def __copy__(self) -> AgentState:
        state = AgentState(messages=list(self.messages))
        state.output = self.output.model_copy()
        return state

    def __deepcopy__(self, memo: dict[int, Any]) -> AgentState:
        state = AgentState(messages=copy.deepcopy(self.messages, memo))
        state.output = self.output.model_copy(deep=True)
        return state


@runtime_checkable
class Agent(Protocol):
    """An agent: takes part in a conversation, adding messages and model output to it."""

    async def __call__(self, state: AgentState, *args: Any, **kwargs: Any) -> AgentState: ...
