"""Batch processing against local OpenAI (Files + Batch) and Anthropic (Message Batches)
servers: requests queue, go out in batches, and every result finds its own caller."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from evalrunner.model import GenerateConfig, Model, get_model
from evalrunner.model._batch import parse_batch_option
from evalrunner.model._config import BatchConfig
from tests.conftest import run_cli, write
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.openai_batch_server import OpenAIBatchServer
from tests.servers.openai_server import start_openai_server

KEY = "sk-batch-test-0123456789"
FAST = {"size": 20, "send_delay": 0.2, "tick": 0.05}
PROMPTS = [f"question number {i}" for i in range(50)]


@pytest.fixture
def openai_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIBatchServer]:
    with OpenAIBatchServer(api_key=KEY) as server:
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.delenv("AZUREAI_OPENAI_API_KEY", raising=False)
        yield server


@pytest.fixture
def anthropic_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnthropicServer]:
    with AnthropicServer(api_key=KEY) as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def batched(name: str, **batch: object) -> Model:
    config = GenerateConfig(batch=BatchConfig(**{**FAST, **batch}), temperature=0.0)
    return get_model(name, config=config, memoize=False)


async def ask_all(model: Model) -> list[str]:
    async with model:
        outputs = await asyncio.gather(*(model.generate(p) for p in PROMPTS))
    return [o.completion for o in outputs]


async def test_openai_fifty_requests_in_three_batches(openai_server: OpenAIBatchServer) -> None:
    model = batched("openai/gpt-4o-mini")
    answers = await ask_all(model)
    assert answers == PROMPTS  # each caller got the answer to its own prompt
    assert not openai_server.rejected
    paths = [(r.method, r.path) for r in openai_server.requests]
    assert ("POST", "/v1/chat/completions") not in paths
    assert paths.count(("POST", "/v1/files")) == 3 and paths.count(("POST", "/v1/batches")) == 3
    sizes = [len(openai_server.files[b["input_file_id"]].splitlines())
             for b in openai_server.batches.values()]
    assert sizes == [20, 20, 10]
    assert model.stats.calls == 50 and model.stats.retries == 0


async def test_azure_openai_fifty_requests_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIBatchServer(azure=True, api_key=KEY) as server:
        monkeypatch.setenv("AZUREAI_OPENAI_API_KEY", KEY)
        monkeypatch.setenv("AZUREAI_OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
        answers = await ask_all(batched("azure-openai/my-batch-deployment", size=25))
    assert answers == PROMPTS
    assert not server.rejected, server.rejected[0].error
    paths = [(r.method, r.path) for r in server.requests]
    assert paths.count(("POST", "/openai/files")) == 2
    assert paths.count(("POST", "/openai/batches")) == 2
    assert all(r.path.startswith("/openai/") for r in server.requests)  # nothing direct
    models = {line.split('"model": "')[1].split('"')[0]
              for b in server.batches.values()
              for line in server.files[b["input_file_id"]].decode().splitlines()}
    assert models == {"my-batch-deployment"}


async def test_anthropic_fifty_requests_in_batches(anthropic_server: AnthropicServer) -> None:
    model = batched("anthropic/claude-3-5-haiku-latest", size=25)
    answers = await ask_all(model)
    assert answers == PROMPTS
    assert not anthropic_server.rejected
    paths = {(r.method, r.path.rsplit("/", 1)[0] if r.method == "GET" else r.path)
             for r in anthropic_server.requests}
    assert ("POST", "/v1/messages") not in paths
    assert [len(b["results"]) for b in anthropic_server.batches.values()] == [25, 25]
    assert model.stats.calls == 50


async def test_failed_requests_are_retried_in_a_later_batch(
    anthropic_server: AnthropicServer,
) -> None:
    anthropic_server.batch_errors = 3  # three results come back `overloaded_error`
    model = batched("anthropic/claude-3-5-haiku-latest", size=50)
    answers = await ask_all(model)
    assert answers == PROMPTS
    sizes = [len(b["results"]) for b in anthropic_server.batches.values()]
    # Jittered backoff spreads the three retries over one to three later batches.
    assert sizes[0] == 50 and sum(sizes[1:]) == 3
    assert (model.stats.retries, model.stats.errors) == (3, 0)


async def test_rate_limited_batch_creation_is_retried(openai_server: OpenAIBatchServer) -> None:
    openai_server.options.fail_429 = 1  # the first upload is refused with Retry-After: 0
    model = batched("openai/gpt-4o-mini", size=50)
    answers = await ask_all(model)
    assert answers == PROMPTS
    assert model.stats.rate_limits == 50  # every request in the refused batch waited once
    assert len(openai_server.batches) == 1


async def test_a_provider_without_batch_api_sends_directly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with start_openai_server(api_key=KEY) as server:
        monkeypatch.setenv("TEST_API_KEY", KEY)
        monkeypatch.setenv("TEST_BASE_URL", server.url)
        model = batched("openai-api/test/small")
        async with model:
            output = await model.generate("direct")
    assert output.completion == "direct" and len(server.requests) == 1


def test_batch_option_forms(tmp_path: Path) -> None:
    assert parse_batch_option(None) is None
    assert parse_batch_option("true") == BatchConfig()
    assert parse_batch_option("1000") == BatchConfig(size=1000)
    config = write(tmp_path / "batch.yml", "size: 200\nsend_delay: 60\ntick: 5\nmax_batches: 3\n")
    assert parse_batch_option(str(config)) == BatchConfig(
        size=200, send_delay=60, tick=5, max_batches=3)
    as_json = write(tmp_path / "batch.json", '{"size": 7}')
    assert parse_batch_option(str(as_json)) == BatchConfig(size=7)
    bad = write(tmp_path / "bad.yml", "sise: 10\n")
    with pytest.raises(ValueError, match=r"bad.yml: sise: Extra inputs"):
        parse_batch_option(str(bad))
    with pytest.raises(ValueError, match="neither a batch size nor a batch config file"):
        parse_batch_option("lots")
    assert GenerateConfig(batch=True).batch == BatchConfig()
    assert GenerateConfig(batch=500).batch == BatchConfig(size=500)


def test_cli_batch_of_fifty_samples(tmp_path: Path) -> None:
    rows = "\n".join(f'{{"id": {i}, "input": "echo {i}", "target": "echo {i}"}}'
                     for i in range(1, 51))
    write(tmp_path / "data.jsonl", rows + "\n")
    suite = write(tmp_path / "echo.yml", (
        "name: echo\n"
        "tasks:\n"
        "  - name: echo\n"
        "    dataset: {path: data.jsonl}\n"
        "    plan: [generate]\n"
        "    scorer: exact\n"
    ))
    batch = write(tmp_path / "batch.yml", "size: 25\nsend_delay: 0.2\ntick: 0.05\n")
    with OpenAIBatchServer(api_key=KEY) as server:
        result = run_cli(
            "run", str(suite), "--model", "openai/gpt-4o-mini", "--batch", str(batch),
            "--max-samples", "50", "--log-dir", str(tmp_path / "logs"), "--display", "none",
            env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.url},
        )
    assert result.returncode == 0, result.stderr
    log = read_eval_log(next((tmp_path / "logs").glob("*.json")))
    assert log.status == "success"
    assert log.eval.config["batch"] == {"size": 25, "send_delay": 0.2, "tick": 0.05}
    assert all(s.scores["exact"].value == "C" for s in log.samples or [])
    assert not server.rejected
    assert all(r.path.startswith(("/v1/files", "/v1/batches")) for r in server.requests)
    assert len(server.batches) == 2
    # Each model event has its own request as sent in the batch and its reply as received
    for sample in log.samples or []:
        (event,) = [e for e in sample.events if e.event == "model"]
        assert event.call is not None
        assert event.call["request"]["messages"][-1]["content"] == sample.input
        assert sample.output.completion in str(event.call["response"])
    assert KEY not in (next((tmp_path / "logs").glob("*.json"))).read_text()
