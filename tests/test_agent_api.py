"""The agent API (`evalrunner.agent`): a Python agent and the same agent in YAML give the
same transcript; run, as_solver, agent_with, handoff filters, yaml_agent."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import evalrunner
from evalrunner.agent import (
    Agent,
    AgentState,
    agent,
    agent_with,
    as_solver,
    content_only,
    handoff,
    is_agent,
    last_message,
    react,
    remove_tools,
    run,
    yaml_agent,
)
from evalrunner.dataset import Sample
from evalrunner.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
from evalrunner.model._chat import ChatMessageTool, ContentReasoning, ContentText, ToolCall
from evalrunner.scorers import includes  # type: ignore[attr-defined]
from evalrunner.solvers import Generate, TaskState, solver
from tests.agent_runs import AGENTS, events_of, run_shipped

_VOLATILE = {"t", "id", "span", "time", "waited", "timestamp", "working_start"}


def _transcript(sample: Any) -> str:
    """The sample's messages and events without times and ids, as JSON; tool call ids are
    numbered by first use (mockllm numbers its calls per model, across the suite's tasks)."""
    messages = [m.model_dump(exclude_none=True) for m in sample.messages]
    events = []
    for event in sample.events:
        shown = event.model_dump(exclude=_VOLATILE, exclude_none=True)
        if event.event == "span_begin" and event.type == "step":
            shown.pop("name")  # the plan step's own name: `agent_api.py@researcher`, `react`
        for key in ("reply",):
            if isinstance(shown.get(key), dict):
                shown[key].pop("time", None)
        events.append(shown)
    text = json.dumps([messages, events], sort_keys=True)
    ids: dict[str, str] = {}
    return re.sub(r"call_\d+", lambda m: ids.setdefault(m[0], f"call#{len(ids)}"), text)


def test_a_python_agent_and_the_same_agent_in_yaml_give_the_same_transcript(
        tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "agent_api.yml", tmp_path)
    python, declared, made = (logs[t].samples[0] for t in (
        "python_researcher", "yaml_researcher", "researcher_from_yaml"))
    assert _transcript(python) == _transcript(declared) == _transcript(made)
    roles = [m.role for m in python.messages]
    # the checker's handoff keeps only its last message (output_filter: last_message)
    assert roles == ["system", "user", "assistant", "tool", "assistant", "tool", "assistant",
                     "assistant", "tool"]
    assert python.messages[6].text == "Checked: 2 + 3 = 5."
    spans = [(e.type, e.name) for e in events_of(python, "span_begin")]
    assert spans == [("step", "agent_api.py@researcher"), ("agent", "calculator"),
                     ("handoff", "checker"), ("scorers", "scorers")]
    helper = [e for e in events_of(python, "model") if e.model == "mockllm/helper"]
    assert len(helper) == 1 and helper[0].messages == 2
    assert python.scores["includes"].value == "C" and python.output.completion == "5"


def _conversation() -> list[Any]:
    call = ToolCall(id="c1", function="add", arguments={"x": 1})
    return [
        ChatMessageSystem(content="Be brief."),
        ChatMessageUser(content="Add one."),
        ChatMessageAssistant(content=[ContentReasoning(reasoning="hmm"), ContentText(text="ok")],
                             tool_calls=[call]),
        ChatMessageTool(content="2", tool_call_id="c1", function="add"),
        ChatMessageAssistant(content="It is 2."),
    ]


def test_message_filters() -> None:
    plain = asyncio.run(content_only(_conversation()))
    assert [m.role for m in plain] == ["user", "assistant", "user", "assistant"]
    assert plain[1].text == 'ok\nadd({"x": 1})' and plain[1].tool_calls is None  # type: ignore[attr-defined]
    assert not any(isinstance(p, ContentReasoning) for p in plain[1].content)
    assert plain[2].text == "2"
    no_tools = asyncio.run(remove_tools(_conversation()))
    assert [m.role for m in no_tools] == ["system", "user", "assistant", "assistant"]
    assert no_tools[2].tool_calls is None  # type: ignore[attr-defined]
    assert [m.text for m in asyncio.run(last_message(_conversation()))] == ["It is 2."]


@agent
def echo(prefix: str = "echo") -> Agent:
    """Repeats the last message."""

    async def execute(state: AgentState) -> AgentState:
        reply = f"{prefix}: {state.messages[-1].text}"
        state.messages.append(ChatMessageAssistant(content=reply))
        return state

    return execute


@solver
def ask_echo() -> Any:
    """A solver that runs an agent with `run()` and keeps its answer."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = await run(echo("inner"), "hello")
        state.store.set("asked", result.output.completion)
        state.store.set("unchanged", len(state.messages))
        return state

    return solve


def _eval(plan: list[Any], outputs: list[Any] | None = None, tmp: Path | None = None) -> Any:
    task = evalrunner.Task(dataset=[Sample(input="What is 2 + 3?", target="5")], solver=plan,
                           scorer=includes(), name="api")
    args = {"model_args": {"outputs": outputs}} if outputs else {}
    (log,) = evalrunner.eval(task, model="mockllm/model", log_dir=str(tmp), display="none",
                             **args)
    assert log.status == "success", log.error
    return log.samples[0]


@agent
def planner() -> Agent:
    """Plans the work."""
    return react(prompt="You plan.")


@agent
def named_planner() -> Agent:
    """Plans the work."""
    return react(name="boss", description="Decides.")


def test_an_agent_factory_names_the_react_it_returns_unless_react_was_named() -> None:
    made, kept = planner(), named_planner()
    assert (made.agent_name, made.agent_description) == ("planner", "Plans the work.")
    assert (kept.agent_name, kept.agent_description) == ("boss", "Decides.")
    assert react().agent_name == "react"


def test_run_as_solver_and_agent_with(tmp_path: Path) -> None:
    named = agent_with(echo(), name="parrot", description="Says it again.")
    assert is_agent(named) and named.agent_name == "parrot"
    assert named.agent_description == "Says it again."
    sample = _eval([ask_echo(), as_solver(echo("outer"))], tmp=tmp_path)
    assert sample.store["asked"] == "inner: hello"  # run() works on its own conversation
    assert sample.store["unchanged"] == 1
    assert sample.messages[-1].text == "outer: What is 2 + 3?"  # as_solver: the sample's
    assert sample.output.completion == "outer: What is 2 + 3?"
    spans = [(e.type, e.name) for e in events_of(sample, "span_begin")]
    assert ("agent", "echo") in spans


def test_handoff_filters_what_the_agent_sees_and_returns(tmp_path: Path) -> None:
    seen: list[list[str]] = []

    @agent(name="watcher")
    def watcher() -> Agent:
        async def execute(state: AgentState) -> AgentState:
            seen.append([m.role for m in state.messages])
            state.messages.append(ChatMessageAssistant(content="watched"))
            return state

        return execute

    outputs = [{"function": "transfer_to_watcher", "arguments": {}},
               {"function": "submit", "arguments": {"answer": "5"}}]
    tools = [handoff(watcher(), input_filter=remove_tools, output_filter=content_only)]
    sample = _eval([react(tools=tools)], outputs, tmp_path)
    assert seen == [["system", "user"]]  # the caller's tool call turn is not handed over
    assert [m.text for m in sample.messages if m.role == "assistant"][1] == "watched"
    assert sample.output.completion == "5"


def test_yaml_agent_from_an_entry_and_a_file(tmp_path: Path) -> None:
    (tmp_path / "helper.yml").write_text(
        "react: {name: helper, description: Helps., submit: false}\n")
    from_file = yaml_agent("helper.yml", base_dir=tmp_path)
    assert from_file.agent_name == "helper" and from_file.agent_description == "Helps."
    entry = yaml_agent({"react": {"name": "other", "prompt": None, "submit": False}})
    sample = _eval([as_solver(entry)], ["Five."], tmp_path)
    assert sample.output.completion == "Five." and sample.messages[0].role == "user"
