"""bridge: an agent program using plain HTTP runs unchanged against the task's model."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.agent_runs import AGENTS, events_of, run_logs, run_shipped, server
from tests.conftest import write
from tests.servers.openai_server import ServerHandle

__all__ = ["server"]


def test_the_shipped_bridge_example_runs_offline(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "bridge.yml", tmp_path, "-T", f"python={sys.executable}"
                         )["http_agent"].samples[0]
    assert sample.output.completion == "6 * 7 = 42" and sample.scores["includes"].value == "C"
    models = events_of(sample, "model")
    assert [m.tool_calls for m in models] == [["calc"], []]
    assert models[1].messages == 3  # the program ran its calc tool and sent the result back


def test_unmodified_http_agent_calls_go_through_the_model(server: ServerHandle,
                                                          tmp_path: Path) -> None:
    before = len(server.requests)
    log = run_logs(server, _copy(tmp_path), tmp_path, "-T", f"python={sys.executable}"
                   )["http_agent"]
    sample = log.samples[0]
    assert sample.output.completion == "ANSWER: 42"
    assert sample.scores["includes"].value == "C"
    calls = server.requests[before:]
    assert [r.body["model"] for r in calls] == ["small", "small"]  # the task's model...
    assert all(r.headers["authorization"] == "Bearer test-key" for r in calls)  # ...its key
    assert calls[0].body["tools"][0]["function"]["name"] == "calc"
    tool = calls[1].body["messages"][-1]
    assert tool["role"] == "tool" and tool["content"] == "42"
    (span,) = [e for e in events_of(sample, "span_begin") if e.type == "agent"]
    assert span.name == "bridge"
    models = events_of(sample, "model")
    assert len(models) == 2 and all(m.span == span.id for m in models)
    assert models[0].tool_calls == ["calc"] and models[0].tools == ["calc"]
    assert sample.model_usage["openai-api/test/small"].input_tokens > 0


def test_bridged_calls_count_against_the_limits(server: ServerHandle, tmp_path: Path) -> None:
    suite = _copy(tmp_path, "scorer: includes\n    limits: {turns: 1}")
    log = run_logs(server, suite, tmp_path, "-T", f"python={sys.executable}")
    sample = log["http_agent"].samples[0]
    # The second call is refused; the agent fails on it, and the sample ends at the limit.
    assert sample.limit == "turns" and sample.error is None
    assert len(events_of(sample, "model")) == 1
    assert [e.type for e in events_of(sample, "limit")] == ["turns"]


PROBE = '''
import json, os, sys, urllib.error, urllib.request
url = os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions"
body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}).encode()
def status(headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers)):
            return 200
    except urllib.error.HTTPError as ex:
        return ex.code
token = "Bearer " + os.environ["OPENAI_API_KEY"]
print(status({"Content-Type": "application/json"}),
      status({"Content-Type": "application/json", "Authorization": "Bearer bridge-guess"}),
      status({"Content-Type": "text/plain", "Authorization": token}),
      status({"Content-Type": "application/json", "Authorization": token}))
'''


def test_the_bridge_serves_only_the_agent_holding_its_token(server: ServerHandle,
                                                            tmp_path: Path) -> None:
    # The probe is "another client": no token, a guessed one, a CORS-simple text/plain body.
    write(tmp_path / "probe.py", PROBE)
    suite = write(tmp_path / "s.yml", f"""
tasks:
  - dataset: {{samples: [{{input: hello}}]}}
    plan: [{{bridge: {{command: ["{sys.executable}", probe.py], timeout: 60}}}}]
    scorer: includes
""")
    sample = run_logs(server, suite, tmp_path)["s"].samples[0]
    assert sample.output.completion == "401 401 415 200"
    assert len(events_of(sample, "model")) == 1  # only the agent's own call reached the model


def _copy(tmp_path: Path, scorer: str = "scorer: includes") -> Path:
    """The example for the scripted server: the question asks it to call `calc`."""
    return write(tmp_path / "s.yml", (AGENTS / "bridge.yml").read_text().replace(
        "http_agent.py", str(AGENTS / "http_agent.py")).replace("scorer: includes", scorer)
        .replace('{input: "What is 6 * 7?"', '{input: "What is 6 * 7?\\nCALL calc '
                 '{\\"expr\\": \\"6 * 7\\"}"'))
