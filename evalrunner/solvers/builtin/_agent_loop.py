"""Parts shared by the agent loops (`basic_agent`, `react`): submit, attempts, tools, truncation."""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from typing import Any

from ...model._chat import (
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
)
from ...tools._info import ToolInfo
from ...tools._tool import execute_tools
from .._scoring import score
from .._task_state import TaskState
from ._vars import load_template, render_template, template_variables

DEFAULT_INCORRECT_MESSAGE = (
    "Your submission was incorrect. Keep working on the task and submit a corrected answer."
)
# Phrases providers use when a request no longer fits the model's context window.
_OVERFLOW = ("context_length_exceeded", "maximum context length", "context window",
             "prompt is too long", "too many tokens", "input is too long")
KEEP_FRACTION = 0.7  # of the conversation after the task, kept by `truncation: auto`


def submit_tool(name: str, description: str) -> Any:
    """The tool an agent calls with its answer (it returns the answer unchanged)."""

    async def execute(answer: str) -> str:
        return answer

    execute.info = ToolInfo(  # type: ignore[attr-defined]
        name=name,
        description=description,
        parameters={
            "type": "object",
            "properties": {"answer": {"type": "string", "description": "The answer."}},
            "required": ["answer"],
        },
    )
    return execute


def submission(messages: list[Any], submit_name: str) -> str | None:
    """The answer of the last successful submit call since the last assistant turn."""
    for message in reversed(messages):
        if isinstance(message, ChatMessageTool):
            if message.function == submit_name and message.error is None:
                return message.text
            continue
        if isinstance(message, ChatMessageAssistant):
            continue
        break
    return None


async def run_tool_calls(state: TaskState, message: ChatMessageAssistant, tools: list[Any],
                         max_output: int | None = None) -> str | None:
    """Run the message's tool calls and append their results, then any handed-off turns.

    Returns None (the submit answer is read from the messages by the caller).
    """
    if not message.tool_calls:
        return None
    state.messages.extend(await execute_tools(message, tools, max_output))
    if state.pending_messages:
        state.messages.extend(state.pending_messages)
        state.pending_messages.clear()
    return None


@dataclass
class AgentAttempts:
    """How many answers an agent may submit, and what it is told after a wrong one."""

    attempts: int = 1
    incorrect_message: Any = DEFAULT_INCORRECT_MESSAGE
    score_value: Any = None

    @staticmethod
    def parse(value: int | dict[str, Any]) -> AgentAttempts:
        made = AgentAttempts(**value) if isinstance(value, dict) else AgentAttempts(value)
        if made.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not callable(made.incorrect_message):
            made.incorrect_message = load_template(str(made.incorrect_message))
        return made

    async def correct(self, state: TaskState, to_float: Any) -> bool:
        scores = await score(state)
        return bool(to_float(scores[0].value) >= 1.0)

    def incorrect(self, state: TaskState, answer: str, attempts: int) -> str:
        if callable(self.incorrect_message):
            return str(self.incorrect_message(state, answer))
        variables = template_variables(state, answer=answer, attempts=attempts)
        return render_template(self.incorrect_message, variables).strip()


def overflowed(ex: BaseException) -> bool:
    """Whether a model error says the request no longer fits the context window."""
    text = str(ex).lower()
    response = getattr(ex, "response", None)
    if response is not None:
        with contextlib.suppress(Exception):  # a streamed or closed body: the message it is
            text += " " + response.text.lower()
    return any(phrase in text for phrase in _OVERFLOW)


def truncate_messages(messages: list[ChatMessageBase]) -> list[ChatMessageBase]:
    """The system prompt and the task, then the newest part of the rest (`truncation: auto`).

    The kept part never starts with a tool result whose call was dropped.
    """
    head: list[ChatMessageBase] = []
    rest = list(messages)
    while rest and isinstance(rest[0], ChatMessageSystem):
        head.append(rest.pop(0))
    if rest and isinstance(rest[0], ChatMessageUser):
        head.append(rest.pop(0))
    keep = rest[len(rest) - int(len(rest) * KEEP_FRACTION):] if rest else []
    while keep and isinstance(keep[0], ChatMessageTool):
        keep.pop(0)
    return [*head, *keep]


async def maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
