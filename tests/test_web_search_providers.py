"""web_search with Tavily and Exa over HTTP, and with OpenAI's and Anthropic's own search
tools, each against a local server that checks its wire format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli, write
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.openai_responses_server import ResponsesServer
from tests.servers.openai_server import start_openai_server
from tests.servers.scripted_server import scripted_reply
from tests.servers.search_server import ExaServer, TavilyServer

RESULTS = [
    {"title": "Evalrunner", "url": "https://a.example/", "content": "Suites are YAML.",
     "text": "Suites are YAML.", "score": 0.9},
    {"title": "Inspect", "url": "https://b.example/", "content": "Tasks are Python.",
     "text": "Tasks are Python.", "score": 0.8},
    {"title": "Other", "url": "https://c.example/", "content": "Unrelated.",
     "text": "Unrelated.", "score": 0.1},
]


def _suite(tmp_path: Path, providers: str) -> Path:
    return write(tmp_path / "search.yml", (
        "name: search\n"
        "tasks:\n"
        "  - name: search\n"
        "    dataset: {samples: [{input: 'CALL web_search {\"query\": \"evalrunner\"}',"
        " target: YAML}]}\n"
        f"    plan: [{{use_tools: [{{web_search: {{providers: {providers},"
        " num_results: 2}}]}, generate]\n"
        "    scorer: includes\n"
    ))


def _run(tmp_path: Path, suite: Path, model: str, env: dict[str, str]) -> EvalLog:
    logs = tmp_path / f"logs-{len(list(tmp_path.glob('logs-*')))}"
    result = run_cli("run", str(suite), "--model", model, "--log-dir", str(logs),
                     "--display", "plain", env=env)
    assert result.returncode == 0, result.stderr
    [file] = logs.glob("*.json")
    return read_eval_log(file)


def _tool_text(log: EvalLog) -> str:
    [sample] = log.samples
    [tool] = [m for m in sample.messages if m.role == "tool"]  # type: ignore[attr-defined]
    return tool.text


def test_tavily(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "{tavily: {search_depth: advanced, include_answer: true}}")
    with TavilyServer(api_key="tvly-key") as tavily, \
            start_openai_server(responder=scripted_reply) as model:
        tavily.options.responder = lambda body: [dict(r) for r in RESULTS]
        log = _run(tmp_path, suite, "openai-api/test/m", {
            "TEST_BASE_URL": model.url, "TEST_API_KEY": "test-key",
            "TAVILY_API_KEY": "tvly-key", "TAVILY_BASE_URL": tavily.url})
    assert not tavily.rejected, tavily.rejected[0].error
    assert tavily.bodies == [{"query": "evalrunner", "max_results": 2,
                              "search_depth": "advanced", "include_answer": True}]
    text = _tool_text(log)
    assert text.startswith("Answer: An answer about evalrunner.")
    assert "[Evalrunner](https://a.example/):\nSuites are YAML." in text
    assert "Inspect" in text and "Unrelated" not in text
    assert log.samples[0].scores["includes"].value == "C"
    assert "tvly-key" not in log.model_dump_json()


def test_exa_when_the_model_has_no_search_of_its_own(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "[openai, exa]")
    with ExaServer(api_key="exa-key") as exa, \
            start_openai_server(responder=scripted_reply) as model:
        exa.options.responder = lambda body: [dict(r) for r in RESULTS]
        log = _run(tmp_path, suite, "openai-api/test/m", {
            "TEST_BASE_URL": model.url, "TEST_API_KEY": "test-key",
            "EXA_API_KEY": "exa-key", "EXA_BASE_URL": exa.url})
        # Not an OpenAI model: the function tool, run by the tool with Exa.
        sent_tools = model.bodies[0]["tools"]
    assert not exa.rejected, exa.rejected[0].error
    assert [t["function"]["name"] for t in sent_tools] == ["web_search"]
    assert exa.bodies == [{"query": "evalrunner", "numResults": 2,
                           "contents": {"text": {"maxCharacters": 3000}}}]
    assert "[Inspect](https://b.example/):\nTasks are Python." in _tool_text(log)


def test_a_missing_key_is_a_tool_error_the_model_sees(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "exa")
    with start_openai_server(responder=scripted_reply) as model:
        log = _run(tmp_path, suite, "openai-api/test/m", {
            "TEST_BASE_URL": model.url, "TEST_API_KEY": "test-key", "EXA_API_KEY": ""})
    [tool] = [m for m in log.samples[0].messages if m.role == "tool"]  # type: ignore[attr-defined]
    assert "EXA_API_KEY is not set" in str(tool.error)


def test_openai_models_use_openai_search(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "[openai, tavily]")
    with ResponsesServer(api_key="sk-x") as openai, TavilyServer() as tavily:
        openai.options.responder = lambda body: {"search": "evalrunner",
                                                 "content": "Suites are YAML, it says."}
        log = _run(tmp_path, suite, "openai/gpt-4.1", {
            "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": openai.url,
            "TAVILY_API_KEY": "k", "TAVILY_BASE_URL": tavily.url})
    assert not openai.rejected, openai.rejected[0].error
    assert openai.bodies[0]["tools"] == [{"type": "web_search"}]
    assert not tavily.requests
    assert log.samples[0].output.completion == "Suites are YAML, it says."
    assert log.samples[0].scores["includes"].value == "C"


def test_anthropic_models_use_anthropic_search(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "{anthropic: {max_uses: 3}, tavily: {}}")
    with AnthropicServer(api_key="ak") as anthropic:
        anthropic.options.responder = lambda body: {"search": "evalrunner",
                                                    "content": "Suites are YAML."}
        log = _run(tmp_path, suite, "anthropic/claude-sonnet-4-0", {
            "ANTHROPIC_API_KEY": "ak", "ANTHROPIC_BASE_URL": anthropic.base_url()})
    assert not anthropic.rejected, anthropic.rejected[0].error
    tools: list[dict[str, Any]] = anthropic.bodies[0]["tools"]
    assert tools[0] == {"type": "web_search_20250305", "name": "web_search", "max_uses": 3,
                        "cache_control": {"type": "ephemeral"}}
    assert log.samples[0].output.completion == "Suites are YAML."


def test_an_unknown_provider_is_a_located_error(tmp_path: Path) -> None:
    suite = _suite(tmp_path, "[bing]")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2, result.stderr
    assert "search.yml:5:" in result.stderr and "providers" in result.stderr
