"""react, as_tool, handoff and think end to end through the CLI (suites/agents/)."""

from __future__ import annotations

from pathlib import Path

from tests.agent_runs import AGENTS, events_of, run_logs, run_shipped, server
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle

__all__ = ["server"]


def _calls(sample: object, name: str) -> list[dict[str, object]]:
    return [c.arguments for m in sample.messages if m.role == "assistant"  # type: ignore[attr-defined]
            for c in (m.tool_calls or []) if c.function == name]


def test_react_attempts_prompt_and_tools(tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "react.yml", tmp_path)
    sample = logs["attempts"].samples[0]
    assert [c["answer"] for c in _calls(sample, "submit")] == ["43", "42"]
    assert sample.messages[0].role == "system"
    assert sample.messages[0].text.startswith("You are a careful calculator.")
    assert "submit()" in sample.messages[0].text
    told = [m.text for m in sample.messages if m.role == "user"]
    assert told[1].startswith("Please proceed")  # the reply without a tool call
    assert told[2] == "43 is wrong. Try again."
    assert sample.scores["match"].value == "C"
    (first, *_) = events_of(sample, "model")
    assert set(first.tools) == {"think", "submit"}
    used = logs["tools"].samples[0]
    assert _calls(used, "python") == [{"code": "print(6 * 7)"}]
    assert used.output.completion.strip() == "42" and used.scores["match"].value == "C"


def test_react_events_have_a_step_span_model_and_tool_events(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "react.yml", tmp_path)["tools"].samples[0]
    kinds = [e.event for e in sample.events]
    assert kinds[0] == "span_begin" and sample.events[0].type == "step"
    assert sample.events[0].name == "react"
    step = sample.events[0].id
    models = events_of(sample, "model")
    assert len(models) == 2 and all(m.span == step for m in models)
    assert models[0].tool_calls == ["python"] and models[0].usage["input_tokens"] > 0
    assert set(models[0].tools) == {"python", "think", "submit"}
    tools = events_of(sample, "tool")
    assert [t.function for t in tools] == ["python", "submit"]
    assert tools[0].result.strip() == "42" and tools[0].arguments == {"code": "print(6 * 7)"}
    assert [e.type for e in events_of(sample, "span_begin")] == ["step", "scorers"]
    (command,) = events_of(sample, "sandbox")  # the python tool's process
    assert command.returncode == 0 and command.output.strip() == "42" and command.span == step


def test_as_tool_runs_the_agent_on_its_own_model(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "as_tool.yml", tmp_path)["ask_the_calculator"].samples[0]
    assert _calls(sample, "calculator") == [{"input": "What is 2 + 3?"}]
    result = next(m for m in sample.messages if m.role == "tool")
    assert result.text == "2 + 3 = 5"  # the helper agent's reply, from its own script
    assert sample.scores["includes"].value == "C"
    agent = next(e for e in events_of(sample, "span_begin") if e.type == "agent")
    assert agent.name == "calculator"
    inner = [e for e in events_of(sample, "model") if e.span == agent.id]
    assert [e.model for e in inner] == ["mockllm/helper"]
    assert inner[0].messages == 2  # its own prompt and the question, not the conversation
    assert "mockllm/helper" in sample.model_usage


def test_handoff_continues_the_conversation(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "handoff.yml", tmp_path)["hand_to_math"].samples[0]
    roles = [m.role for m in sample.messages]
    assert roles == ["system", "user", "assistant", "tool", "assistant", "assistant", "tool"]
    assert sample.messages[3].text == "Successfully transferred to math."
    assert sample.messages[4].text == "2 + 3 = 5"  # the math agent's turn
    assert sample.output.completion == "2 + 3 = 5" and sample.scores["includes"].value == "C"
    handoff = next(e for e in events_of(sample, "span_begin") if e.type == "handoff")
    assert handoff.name == "math"
    inner = [e for e in events_of(sample, "model") if e.span == handoff.id]
    assert len(inner) == 1 and not inner[0].tools  # the math agent has no tools of its own


def test_a_loop_that_never_submits_stops_at_the_default_bound(tmp_path: Path) -> None:
    unbounded = f"{AGENTS / 'limits.yml'}@unbounded"
    log = run_shipped(unbounded, tmp_path)["unbounded"]
    sample = log.samples[0]
    assert sample.limit == "turns" and sample.error is None
    assert len(events_of(sample, "model")) == 100
    (event,) = events_of(sample, "limit")
    assert event.limit == 100 and "default bound of agent loops" in event.message
    assert sample.scores["match"].value == "I"  # scored as usual
    raised = run_shipped(unbounded, tmp_path / "raised", "--turn-limit", "120"
                         )["unbounded"].samples[0]
    assert raised.limit == "turns" and len(events_of(raised, "model")) == 120


def test_truncation_when_the_context_is_full(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: trunc
    dataset: {samples: [{input: "What is 19 + 23?", target: "42"}]}
    plan: [{react: {attempts: 3, truncation: auto}}]
    scorer: {match: {numeric: true}}
  - name: no_trunc
    dataset: {samples: [{input: "What is 19 + 23?", target: "42"}]}
    plan: [{react: {attempts: 3}}]
    scorer: {match: {numeric: true}}
""")
    server.options.context_limit = 4
    try:
        logs = run_logs(server, suite, tmp_path)
    finally:
        server.options.context_limit = None
    kept = logs["trunc"].samples[0]
    assert kept.error is None
    # The oldest turns went (the first submission and its result); system and task stayed.
    assert [m.role for m in kept.messages[:3]] == ["system", "user", "user"]
    assert kept.messages[1].text == "What is 19 + 23?"
    assert len([e for e in events_of(kept, "model") if e.error]) >= 1
    stopped = logs["no_trunc"].samples[0]
    assert stopped.error is None and len(stopped.messages) == 5  # ended at the full context
    assert stopped.output.completion == "43"


def test_a_misspelt_function_argument_is_found_by_validate(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: t
    dataset: {samples: [{input: hi}]}
    plan:
      - react: {on_continue: "Keep going: use a tool.", truncation: nofile.py@trim}
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].endswith("file 'nofile.py' not found (from "
                                                  "nofile.py@trim)")
