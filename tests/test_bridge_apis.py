"""The bridge serves Chat Completions, Responses and Messages, plain and streamed, to the
official `openai` and `anthropic` SDKs; each call is a model event with usage."""

from __future__ import annotations

from pathlib import Path

import pytest

import evalrunner
from tests.conftest import write

pytest.importorskip("anthropic")

SUITE = """
name: apis
model: mockllm/model
model_args:
  outputs:
    - {{content: "Let me compute.", tool_calls: [{{function: calc, arguments: {{expr: "6 * 7"}}}}],
       stop_reason: tool_calls}}
    - "6 * 7 = 42"
tasks:
  - name: {api}
    dataset:
      samples:
        - {{id: plain, input: "What is 6 * 7?", target: "42", metadata: {{stream: false}}}}
        - {{id: streamed, input: "What is 6 * 7?", target: "42", metadata: {{stream: true}}}}
    plan:
      - bridge: {agent}
    scorer: includes
"""
AGENTS = Path(__file__).parent / "bridge_sdk_agents.py"


@pytest.mark.parametrize("api", ["responses", "messages", "chat"])
def test_an_sdk_agent_calls_its_tool_through_the_bridge(api: str, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", SUITE.format(api=api, agent=f"{AGENTS}@{api}"))
    (log,) = evalrunner.eval(suite, log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    for sample in log.samples or []:
        assert sample.error is None, sample.error
        assert sample.output.completion == "6 * 7 = 42"
        models = [e for e in sample.events if e.event == "model"]
        assert [m.tool_calls for m in models] == [["calc"], []]
        assert models[0].tools == ["calc"]
        # The second call carries the call and its result: user, assistant, tool (+ system).
        sent = models[1].input
        roles = [m["role"] for m in sent]
        assert roles[-3:] == ["user", "assistant", "tool"]
        assert sent[-1]["content"] == "42"
        assert sent[-2]["tool_calls"][0]["arguments"] == {"expr": "6 * 7"}
        if api != "chat":
            assert roles[0] == "system" and sent[0]["content"] == "Be brief."
        assert all(m.usage and m.usage["input_tokens"] > 0 for m in models)
        if api == "messages":  # the agent saw the usage the model event records
            assert sample.store["stop"] == "end_turn"
            assert sample.store["usage"]["output_tokens"] == models[1].usage["output_tokens"]
        if api == "responses":
            assert sample.store["usage"]["total_tokens"] == models[1].usage["total_tokens"]
