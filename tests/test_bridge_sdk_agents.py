"""Unmodified agents on the official SDKs (suites/agents/sdk_agents), installed in the
sandbox (a venv bwrap sees, an image derived from the test image), solve the shipped
capture-the-flag tasks through the bridge, in bwrap and in docker; their calls are in the
log. As shipped: the suite's own mockllm script, one sample per task to keep CI short."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.agent_runs import AGENTS, events_of, run_shipped
from tests.sandboxes import needs_sdk_agents

SUITE = AGENTS / "sdk_bridge.yml"


@pytest.mark.parametrize("backend", [
    pytest.param("bwrap", marks=needs_sdk_agents("bwrap")),
    pytest.param("docker", marks=needs_sdk_agents("docker"))])
def test_sdk_agents_capture_the_flag_inside_the_sandbox(backend: str, tmp_path: Path) -> None:
    logs = run_shipped(SUITE, tmp_path, "-F", backend, "--limit", "1")
    assert sorted(logs) == [f"anthropic_{backend}", f"openai_{backend}"]
    for log in logs.values():
        (sample,) = log.samples
        assert sample.error is None, sample.error
        score = sample.scores["flag_file"]
        assert score.value == "C", score.explanation  # answer.txt written inside, by bash
        (span,) = [e for e in events_of(sample, "span_begin") if e.type == "agent"]
        models = events_of(sample, "model")
        assert [m.tool_calls for m in models] == [["bash"], []]
        assert all(m.span == span.id and m.usage["input_tokens"] > 0 for m in models)
        assert models[0].tools == ["bash"]
        # The agent ran the call in its sandbox and sent back what bash printed.
        result = models[1].input[-1]
        assert result["role"] == "tool" and result["content"].strip() == sample.target
        assert "I found the flag" in sample.output.completion
