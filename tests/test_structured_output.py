"""Structured output: response_schema sent natively (OpenAI, Gemini) or as an instruction
(Anthropic), replies checked against it, and a bad schema reported where it is written."""

from __future__ import annotations

from pathlib import Path

from evalrunner.model._chat import ChatMessageUser
from tests.agent_runs import AGENTS, run_logs, run_shipped, server
from tests.conftest import run_cli, write
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.google_server import GoogleServer
from tests.servers.openai_server import ServerHandle
from tests.test_providers_wire import anthropic, clean_env, google, model

__all__ = ["anthropic", "clean_env", "google", "server"]
SCHEMA = {"type": "object", "properties": {"answer": {"type": "integer"}},
          "required": ["answer"], "additionalProperties": False}


def test_the_shipped_example_checks_replies_against_the_schema(tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "structured.yml", tmp_path)
    by_id = {s.id: s for s in logs["inline"].samples}
    assert by_id["good"].output.completion == '{"answer": 5}'
    assert by_id["good"].output.error is None
    bad = by_id["bad"].output
    assert bad.error == ("the reply does not match response_schema 'sum': answer: 'none' is "
                         "not of type 'integer'")
    assert [e.error for e in by_id["bad"].events if e.event == "model"] == [bad.error]
    assert logs["from_file"].samples[0].output.completion == '{"answer": 8}'


def test_openai_json_schema_response_format_and_checked_replies(server: ServerHandle,
                                                                 tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", (AGENTS / "structured.yml").read_text().replace(
        "file: sum.schema.json", f"file: {AGENTS / 'sum.schema.json'}").replace(
        '{id: bad, input: "What is 2 + 3?"', '{id: bad, input: "What is 2 + 3? BADJSON"'))
    logs = run_logs(server, suite, tmp_path)
    body = next(r.body for r in server.requests if r.body and "2 + 3?" in str(r.body))
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "sum", "schema": SCHEMA}}
    by_id = {s.id: s for s in logs["inline"].samples}
    assert by_id["good"].output.completion == '{"answer": 5}'
    assert by_id["bad"].output.error is not None
    from_file = logs["from_file"].samples[0]
    assert from_file.output.completion == '{"answer": 8}'
    body = next(r.body for r in server.requests if r.body and "4 + 4" in str(r.body))
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA


async def test_gemini_response_json_schema(google: GoogleServer) -> None:
    google.options.responder = lambda body: {"content": '{"answer": 3}'}
    async with model("google/gemini-2.5-pro",
                     response_schema={"name": "sum", "json_schema": SCHEMA}) as m:
        output = await m.generate([ChatMessageUser(content="1 + 2?")])
    generation = google.requests[0].body["generationConfig"]
    assert generation == {"responseMimeType": "application/json", "responseSchema": {
        "type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}}
    assert output.error is None


async def test_providers_without_a_native_form_get_the_schema_as_an_instruction(
        anthropic: AnthropicServer) -> None:
    anthropic.options.responder = lambda body: {"content": "not json"}
    async with model("anthropic/claude-sonnet-4-5",
                     response_schema={"name": "sum", "json_schema": SCHEMA}) as m:
        output = await m.generate([ChatMessageUser(content="1 + 2?")])
    system = anthropic.requests[0].body["system"]
    assert "JSON Schema (sum)" in str(system) and '"answer"' in str(system)
    assert output.error is not None and "not JSON" in output.error


def test_bad_schemas_are_located_errors(tmp_path: Path) -> None:
    write(tmp_path / "broken.json", "{not json")
    suite = write(tmp_path / "s.yml", """
config:
  response_schema: {json_schema: {type: objekt}}
tasks:
  - name: t
    dataset: {samples: [{input: hi}]}
    plan:
      - generate: {response_schema: {file: broken.json}}
      - generate: {response_schema: {file: missing.json}}
      - generate: {response_schema: {name: x}}
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    err = result.stderr
    assert "s.yml:3:34: config response_schema: not a valid JSON Schema" in err, err
    assert "s.yml:8:" in err and "broken.json is not valid JSON" in err
    assert "s.yml:9:" in err and "cannot read the schema file missing.json" in err
    assert "s.yml:10:" in err and "json_schema" in err
