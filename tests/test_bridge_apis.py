"""The bridge serves Chat Completions, Responses and Messages, plain and streamed, to the
official `openai` and `anthropic` SDKs; each call is a model event with usage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import anthropic  # in the dev extra, as the bridge's clients
import pytest

import evalrunner
from tests.conftest import write

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


def test_refusals_come_in_each_apis_own_error_format() -> None:
    """Bad requests are refused before any model call, as each SDK expects its errors."""
    import openai

    from evalrunner.agent._bridge import BridgeServer

    async def probe() -> None:
        async with BridgeServer() as server:
            base = server.base_url
            oai = openai.AsyncOpenAI(base_url=base, api_key=server.api_key, max_retries=0)
            claude = anthropic.AsyncAnthropic(base_url=base.removesuffix("/v1"),
                                              api_key=server.api_key, max_retries=0)
            with pytest.raises(openai.BadRequestError, match="previous_response_id"):
                await oai.responses.create(model="m", input="hi", previous_response_id="r1")
            with pytest.raises(openai.AuthenticationError, match="bridge token"):
                await openai.AsyncOpenAI(base_url=base, api_key="guess", max_retries=0
                                         ).responses.create(model="m", input="hi")
            with pytest.raises(anthropic.AuthenticationError) as refused:
                await anthropic.AsyncAnthropic(base_url=base.removesuffix("/v1"),
                                               api_key="guess", max_retries=0
                                               ).messages.create(model="m", max_tokens=9,
                                                                 messages=[])
            assert refused.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]
            with pytest.raises(anthropic.BadRequestError) as bad:
                await claude.messages.create(model="m", max_tokens=9, messages=[
                    {"role": "user", "content": [{"type": "tool_result"}]}])  # type: ignore[list-item]
            assert bad.value.body["type"] == "error"  # type: ignore[index]
            with pytest.raises(openai.NotFoundError):
                await oai.embeddings.create(model="m", input="hi")

    asyncio.run(probe())
