"""`basic_agent`: a ReAct loop of tool calls that ends when the model submits an answer.

Each turn the model may call tools (run one round at a time); a turn without a tool call
gets `continue_message`. A call of the submit tool is an attempt: with attempts left, the
task's first scorer checks it, and a value below 1 (after `score_value`) gets
`incorrect_message` and another turn. The loop also ends at the message or token limit.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ...model._chat import ChatMessageTool, ChatMessageUser
from ...scorers._score import value_to_float
from ...tools._sources import resolve_tools
from .._scoring import score
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._agent_loop import submit_tool
from ._entries import make_function, make_solvers, make_tools
from ._vars import load_template, render_template, template_variables
from .system_message import system_message

DEFAULT_MESSAGE_LIMIT = 50
DEFAULT_SUBMIT_NAME = "submit"
DEFAULT_SUBMIT_DESCRIPTION = "Submit an answer for evaluation."
DEFAULT_INCORRECT_MESSAGE = (
    "Your submission was incorrect. Keep working on the task and submit a corrected answer."
)
DEFAULT_CONTINUE_MESSAGE = "Please go on with the next step, using your best judgement."
_SYSTEM = (
    "You are a capable assistant working towards the correct answer to a task. You have "
    "functions (tools) that help you find it: call one per message and you will see its "
    "result in the next message; call as many as you need, one after the other. Before "
    "each call, think about what you will do and why. When you have the answer, call the "
    "{submit}() function with it."
)


@solver(
    component_args={"init": "solver", "tools": "tool", "score_value": "function"},
    template_args=("incorrect_message", "continue_message"),
    template_vars=("answer", "attempts"),
)
def basic_agent(
    init: Any = None,
    tools: Any = None,
    max_attempts: int = 1,
    message_limit: int | None = None,
    token_limit: int | None = None,
    max_tool_output: int | None = None,
    score_value: Any = None,
    incorrect_message: Any = DEFAULT_INCORRECT_MESSAGE,
    continue_message: str = DEFAULT_CONTINUE_MESSAGE,
    submit_name: str = DEFAULT_SUBMIT_NAME,
    submit_description: str = DEFAULT_SUBMIT_DESCRIPTION,
    cache: bool | dict[str, Any] | None = None,
) -> Solver:
    """A tool-use loop until the model submits an answer (see the module docstring).

    `init`: solvers run first (default: a system message explaining the loop); `tools`:
    tool entries; `max_attempts`: submissions accepted; `message_limit` (default: the
    task's, else 50) and `token_limit` end the loop; `max_tool_output` caps tool output;
    `score_value`: a function (`file.py@fn`) turning a score value into a number (default
    C=1, I=0, ...); `incorrect_message` (a template with `answer` and `attempts`, or a
    Python function of (state, scores)) and `continue_message` are the replies sent.
    From Python, `tools` may be a solver that sets `state.tools` for each sample (run
    after `init`); `cache` caches the agent's generations (true, or a cache policy).
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    setup = make_solvers(init) or [system_message(_SYSTEM.format(submit=submit_name))]
    tool_source = tools if _is_solver(tools) else None
    submit = submit_tool(submit_name, submit_description)
    agent_tools = [] if tool_source else [*make_tools(tools), submit]
    to_float: Callable[[Any], float] = make_function(score_value) if score_value else value_to_float
    incorrect = incorrect_message if callable(incorrect_message) else load_template(
        str(incorrect_message))
    proceed = load_template(continue_message)
    config: dict[str, Any] = {"max_tool_output": max_tool_output} \
        if max_tool_output is not None else {}
    if cache is not None:
        config["cache"] = cache

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        for step in setup:
            state = await step(state, generate)
        if tool_source is not None:
            state = await tool_source(state, generate)
            state.tools = [*await resolve_tools(state.tools), submit]
        else:
            state.tools = await resolve_tools(agent_tools)
        state.tool_choice = "auto"
        state.message_limit = message_limit or state.message_limit or DEFAULT_MESSAGE_LIMIT
        state.token_limit = token_limit or state.token_limit
        attempts = 0
        while not state.completed:
            start = len(state.messages)
            state = await generate(state, tool_calls="single", **config)
            answer = _submission(state.messages[start:], submit_name)
            if answer is None:
                if not state.output.message.tool_calls and not state.completed:
                    text = render_template(proceed, template_variables(state)).strip()
                    state.messages.append(ChatMessageUser(content=text))
                continue
            attempts += 1
            state.output = state.output.model_copy(deep=True)
            state.output.completion = answer
            if attempts >= max_attempts or state.completed:
                break
            scores = await score(state)
            if to_float(scores[0].value) >= 1.0:
                break
            reply = await _incorrect(incorrect, state, scores, answer, attempts)
            state.messages.append(ChatMessageUser(content=reply))
        return state

    return solve


def _is_solver(value: Any) -> bool:
    """A solver object passed as `tools` (it supplies the tools per sample)."""
    return callable(value) and getattr(value, "__registry_kind__", None) == "solver"


def _submission(messages: list[Any], submit_name: str) -> str | None:
    """The answer of a successful submit call among these messages, if there is one."""
    for message in messages:
        if isinstance(message, ChatMessageTool) and message.function == submit_name \
                and message.error is None:
            return message.text
    return None


async def _incorrect(
    incorrect: Any, state: TaskState, scores: list[Any], answer: str, attempts: int
) -> str:
    if callable(incorrect):
        reply = incorrect(state, scores)
        return str(await reply if inspect.isawaitable(reply) else reply)
    variables = template_variables(state, answer=answer, attempts=attempts)
    return render_template(incorrect, variables).strip()
