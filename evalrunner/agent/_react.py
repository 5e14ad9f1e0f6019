"""`react`: an agent loop with a system prompt, tools, a submit tool, attempts and truncation
(a plan step in YAML, an agent in Python: one implementation).

The model is called with the agent's tools until it submits an answer (or, with `submit:
false`, until it replies without calling a tool). A reply without a tool call gets
`on_continue` (a message, or a function of the state returning a message, True to send the
default, or False to stop). A submission with attempts left is checked by the task's first
scorer; a wrong one gets `incorrect_message`. When the conversation no longer fits the
model's context, `truncation: auto` drops the oldest turns (keeping the system prompt and the
task) and tries again; `disabled` ends the loop; a function (`file.py@fn`) of the messages
returns the ones to keep. `compaction` keeps a growing conversation small before each model
call (the task's `compaction:` applies when the agent runs on the evaluated model and has
none of its own), each time recorded as a `compaction` event. The agent can run on its own
model (`model: a role or name`) and be another agent's tool (`as_tool`) or handoff target
(`handoff`).
"""

from __future__ import annotations

import inspect
from typing import Any

from ..events._limits import default_turns
from ..model._chat import ChatMessageSystem, ChatMessageUser
from ..model._get import get_model
from ..model._model import Model
from ..scorers._score import value_to_float
from ..solvers._compaction import CompactionConfig, active_compaction, compact
from ..solvers._solver import solver
from ..solvers._task_state import TaskState
from ..solvers.builtin._agent_loop import (
    AgentAttempts,
    overflowed,
    run_tool_calls,
    submission,
    submit_tool,
    truncate_messages,
)
from ..solvers.builtin._entries import make_function, make_tools, names_function
from ..solvers.builtin._vars import load_template, render_template, template_variables
from ._agent import AgentFn
from ._run import task_state_of
from ._state import AgentState

DEFAULT_PROMPT = (
    "You are a helpful assistant attempting to complete a task. You have tools to help you: "
    "call them one at a time and you will see each result in the next message."
)
SUBMIT_PROMPT = (
    "When you have completed the task and have an answer, call the {submit}() tool to report "
    "it."
)
DEFAULT_CONTINUE = (
    "Please proceed to the next step using your best judgement. If you believe you have "
    "completed the task, please call the `{submit}()` tool with your final answer."
)
DEFAULT_CONTINUE_NO_SUBMIT = "Please proceed to the next step using your best judgement."
# Turns (model calls) a sample may spend when nothing else bounds it: a model that never
# submits must end as a recorded limit, not loop until someone notices.
DEFAULT_TURNS = 100


@solver(
    component_args={"tools": "tool", "on_continue": "text_or_function",
                    "truncation": "text_or_function"},
    template_args=("prompt",),
)
def react(
    name: str | None = None,
    description: str | None = None,
    prompt: str | None = DEFAULT_PROMPT,
    tools: Any = None,
    model: str | None = None,
    attempts: int | dict[str, Any] = 1,
    submit: bool | dict[str, str] = True,
    on_continue: str | bool | None = None,
    truncation: str = "disabled",
    message_limit: int | None = None,
    config: dict[str, Any] | None = None,
    compaction: dict[str, Any] | CompactionConfig | None = None,
) -> AgentFn:
    """An agent loop (see the module docstring).

    `prompt`: the system prompt (a template; null for none); `tools`: tool entries (other
    agents with `as_tool` or `handoff`); `model`: a model role or `provider/name` (default: the
    evaluated model); `attempts`: a count or `{attempts, incorrect_message, score_value}`;
    `submit`: false for none, or `{name, description}`; `on_continue`: a message, a function
    (`file.py@fn`), or false to stop when the model calls no tool; `truncation`: auto,
    disabled or a function; `message_limit` ends the loop; `config`: generation config.
    Without a turn limit (task, sample or `--turn-limit`) the sample gets DEFAULT_TURNS.
    """
    tries = AgentAttempts.parse(attempts)
    submit_spec = {} if submit is True else submit
    submitting = submit_spec is not False
    submit_name = submit_spec.get("name", "submit") if isinstance(submit_spec, dict) else "submit"
    own_tools = make_tools(tools)
    if submitting:
        own_tools.append(submit_tool(submit_name, (submit_spec or {}).get(
            "description", "Submit an answer for evaluation.")))
    system = load_template(prompt) if prompt else None
    proceed = _continuation(on_continue, submitting, submit_name)
    trim = _truncation(truncation)
    compacting = (CompactionConfig(**compaction) if isinstance(compaction, dict)
                  else compaction)
    to_float = make_function(tries.score_value) if tries.score_value else value_to_float

    async def execute(agent_state: AgentState) -> AgentState:
        with task_state_of(agent_state) as state:
            await loop(state)
        return agent_state

    async def loop(state: TaskState) -> None:
        from ..tools._sources import resolve_tools

        default_turns(DEFAULT_TURNS)
        agent_model = get_model(model) if model else get_model()
        agent_tools = await resolve_tools(own_tools)
        if system is not None:
            text = render_template(system, template_variables(state)).strip()
            if submitting:
                text += "\n\n" + SUBMIT_PROMPT.format(submit=submit_name)
            _set_system(state, text)
        state.tools = agent_tools
        state.tool_choice = "auto"
        if message_limit is not None:
            state.message_limit = message_limit
        made = 0
        while not state.completed:
            await _compact(state, compacting or (None if model else active_compaction.get()))
            output = await _generate(agent_model, state, trim, config)
            if output is None:
                break  # the context is full and truncation is disabled
            answer = await run_tool_calls(state, output.message, agent_tools)
            if answer is None and not output.message.tool_calls:
                if not submitting:
                    break
                follow = await proceed(state)
                if follow is None:
                    break
                state.messages.append(ChatMessageUser(content=follow))
                continue
            answer = submission(state.messages, submit_name) if submitting else None
            if answer is None:
                continue
            made += 1
            state.output = state.output.model_copy(deep=True)
            state.output.completion = answer
            if made >= tries.attempts or state.completed:
                break
            if await tries.correct(state, to_float):
                break
            state.messages.append(ChatMessageUser(content=tries.incorrect(state, answer, made)))

    return AgentFn(execute, name or "react", description, named=name is not None)


async def _generate(model: Model, state: TaskState, trim: Any, config: dict[str, Any] | None
                    ) -> Any:
    from ..model._config import GenerateConfig

    cfg = GenerateConfig(**config) if config else None
    for _ in range(3):  # a truncation that still does not fit gets two more tries
        try:
            output = await model.generate(state.messages, [t.info for t in state.tools],
                                          state.tool_choice, cfg)
        except Exception as ex:
            if not overflowed(ex):
                raise
            if trim is None:
                return None  # `truncation: disabled`: the agent stops where the context ends
            kept = trim(state.messages)
            state.messages = list(await kept if inspect.isawaitable(kept) else kept)
            continue
        state.output = output
        state.messages.append(output.message)
        if output.usage is not None:
            state.token_usage = state.token_usage + output.usage
        return output
    return None


async def _compact(state: TaskState, config: CompactionConfig | None) -> None:
    if config is not None:
        state.messages, made = await compact(state.messages, config)
        if made is not None:
            state.compactions.append(made)


def _set_system(state: TaskState, text: str) -> None:
    state.messages = [m for m in state.messages if not isinstance(m, ChatMessageSystem)]
    state.messages.insert(0, ChatMessageSystem(content=text))


def _continuation(on_continue: Any, submitting: bool, submit_name: str) -> Any:
    """An async function of the state: the message to send, or None to stop."""
    default = (DEFAULT_CONTINUE.format(submit=submit_name) if submitting
               else DEFAULT_CONTINUE_NO_SUBMIT)
    if on_continue is False:
        return _constant(None)
    if on_continue is None or on_continue is True:
        return _constant(default)
    if isinstance(on_continue, str) and not names_function(on_continue):
        template = load_template(on_continue)

        async def render(state: TaskState) -> str | None:
            return render_template(template, template_variables(state)).strip()

        return render
    fn = make_function(on_continue)

    async def call(state: TaskState) -> str | None:
        result = fn(state)
        result = await result if inspect.isawaitable(result) else result
        if result is True:
            return default
        return None if result is False or result is None else str(result)

    return call


def _constant(value: str | None) -> Any:
    async def constant(state: TaskState) -> str | None:
        return value

    return constant


def _truncation(value: str) -> Any:
    if value == "disabled":
        return None
    if value == "auto":
        return truncate_messages
    return make_function(value)


