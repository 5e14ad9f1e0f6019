"""deepagent: plan, subagents, background dispatch (suites/agents/deepagent.yml as shipped),
the background cap, and background agents cancelled when the agent ends."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import evalrunner
from evalrunner.agent import Agent, AgentState, agent, deepagent
from evalrunner.dataset import Sample
from evalrunner.model import ChatMessageAssistant
from evalrunner.scorers import includes  # type: ignore[attr-defined]
from tests.agent_runs import AGENTS, events_of, run_shipped


def test_deepagent_plans_delegates_and_waits_for_a_background_agent(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "deepagent.yml", tmp_path)["plan_and_delegate"].samples[0]
    results = [m.text for m in sample.messages if m.role == "tool"]
    assert results[1].startswith("AGENT-1 started (researcher)")
    assert results[2] == "5"  # the calculator, run at once
    assert results[3] == "AGENT-1 (researcher): completed\nParis"
    assert sample.store["todos"][1] == {"content": "Have the calculator add the numbers",
                                        "status": "completed"}
    assert sample.output.completion == "Paris, and 2 + 3 = 5"
    assert sample.scores["includes"].value == "C"
    first = events_of(sample, "model")[0]
    assert set(first.tools) == {"todo_write", "agent", "agent_status", "agent_wait",
                                "agent_cancel", "agent_list", "submit"}
    assert "todo_write" in sample.messages[0].text and "agent_wait" in sample.messages[0].text
    spans = {e.name: e for e in events_of(sample, "span_begin") if e.type == "agent"}
    assert set(spans) == {"researcher", "calculator"}
    inner = {e.model: e.span for e in events_of(sample, "model") if e.model != "mockllm/model"}
    assert inner == {"mockllm/researcher": spans["researcher"].id,
                     "mockllm/calculator": spans["calculator"].id}


cancelled: list[str] = []


@agent
def slow() -> Agent:
    """Takes its time."""

    async def execute(state: AgentState) -> AgentState:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(state.messages[-1].text)
            raise
        state.messages.append(ChatMessageAssistant(content="done"))
        return state

    return execute


def test_background_agents_are_capped_and_cancelled_when_the_agent_ends(
        tmp_path: Path) -> None:
    dispatch = [{"function": "agent", "arguments": {"subagent_type": "slow", "prompt": p,
                                                    "background": True}}
                for p in ("first", "second")]
    outputs = [*dispatch, {"function": "agent_list", "arguments": {}},
               {"function": "submit", "arguments": {"answer": "5"}}]
    plan = deepagent(todo_write=False, background=1, subagents=[
        {"name": "slow", "description": "Takes its time.", "agent": slow()}])
    task = evalrunner.Task(dataset=[Sample(input="Go.", target="5")], solver=[plan],
                           scorer=includes(), name="background")
    began = time.monotonic()
    (log,) = evalrunner.eval(task, model="mockllm/model", log_dir=str(tmp_path),
                             display="none", model_args={"outputs": outputs})
    assert time.monotonic() - began < 20  # the slow agent did not hold the sample
    sample: Any = log.samples[0]
    results = [m for m in sample.messages if m.role == "tool"]
    assert results[0].text.startswith("AGENT-1 started")
    assert "1 background agents are running" in (results[1].error or results[1].text)
    assert results[2].text == "AGENT-1 (slow): running"
    assert cancelled == ["first"] and sample.output.completion == "5"
