"""The response cache: keys, policies, the files on disk, the CLI, and a second run that
makes no request at all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from evalrunner.model import ChatMessageUser, GenerateConfig, ToolInfo, get_model
from evalrunner.model._cache import (
    cache_clear,
    cache_epoch,
    cache_list,
    cache_policy,
    cache_prune,
    parse_expiry,
)
from tests.conftest import run_cli, write
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.openai_server import ServerHandle, start_openai_server

KEY = "sk-cache-test-0123456789"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("EVALRUNNER_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnthropicServer]:
    with AnthropicServer(api_key=KEY) as handle:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", handle.url)
        yield handle


def claude(**config: object) -> object:
    return get_model("anthropic/claude-3-5-haiku-latest",
                     config=GenerateConfig(**config), memoize=False)  # type: ignore[arg-type]


def test_policies() -> None:
    assert cache_policy(None) is None and cache_policy(False) is None
    default = cache_policy(True)
    assert default is not None and default.expiry == 7 * 86400 and default.per_epoch
    custom = cache_policy({"expiry": "3h", "per_epoch": False, "scopes": {"role": "grader"}})
    assert custom is not None and custom.expiry == 3 * 3600 and not custom.per_epoch
    assert custom.scopes == {"role": "grader"}
    assert parse_expiry("30s") == 30 and parse_expiry("1M") == 30 * 86400
    assert parse_expiry(None) is None and parse_expiry(2.5) == 2.5
    with pytest.raises(ValueError, match="not a duration"):
        parse_expiry("soon")
    with pytest.raises(ValueError, match="unknown option 'ttl'"):
        cache_policy({"ttl": "1D"})


async def test_second_call_makes_no_request(server: AnthropicServer, cache_dir: Path) -> None:
    async with claude(cache=True, temperature=0.0) as model:  # type: ignore[attr-defined]
        first = await model.generate("What is 2 + 2?")
        second = await model.generate("What is 2 + 2?")
    assert len(server.requests) == 1
    assert not first.cached and second.cached
    assert second.completion == first.completion == "What is 2 + 2?"
    assert (model.stats.cache_misses, model.stats.cache_hits, model.stats.calls) == (1, 1, 1)
    files = list((cache_dir / "generate" / "anthropic").rglob("*.json"))
    assert len(files) == 1
    entry = json.loads(files[0].read_text())
    assert entry["model"] == "anthropic/claude-3-5-haiku-latest"
    assert KEY not in files[0].read_text()


async def test_key_covers_what_changes_the_answer(server: AnthropicServer) -> None:
    tool = ToolInfo(name="add", description="Add.", parameters={
        "type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]})
    async with claude(cache=True) as model:  # type: ignore[attr-defined]
        await model.generate("hello")
        await model.generate("hello", config=GenerateConfig(temperature=0.5))
        await model.generate([ChatMessageUser(content="hello")], tools=[tool])
        await model.generate("hello", tools=[tool], tool_choice="any")
        await model.generate("hello!")
        assert len(server.requests) == 5 and model.stats.cache_hits == 0
        # Connection settings do not change the answer: all hits.
        await model.generate("hello", config=GenerateConfig(timeout=30, max_retries=1))
        await model.generate("hello", config=GenerateConfig(temperature=0.5, max_connections=2))
    assert len(server.requests) == 5 and model.stats.cache_hits == 2


async def test_epochs_and_per_epoch(server: AnthropicServer) -> None:
    async def in_epoch(model: object, epoch: int) -> None:
        token = cache_epoch.set(epoch)
        try:
            await model.generate("same question")  # type: ignore[attr-defined]
        finally:
            cache_epoch.reset(token)

    async with claude(cache=True) as model:  # type: ignore[attr-defined]
        for epoch in (1, 2, 1, 2):
            await in_epoch(model, epoch)
    assert len(server.requests) == 2  # one per epoch, then both from the cache
    async with claude(cache={"per_epoch": False}, top_k=3) as shared:  # type: ignore[attr-defined]
        for epoch in (1, 2, 3):
            await in_epoch(shared, epoch)
    assert len(server.requests) == 3  # one more for the three epochs


async def test_expiry_and_prune(server: AnthropicServer) -> None:
    async with claude(cache={"expiry": 0.2}) as model:  # type: ignore[attr-defined]
        await model.generate("short-lived")
        await model.generate("kept", config=GenerateConfig(cache={"expiry": None}))
        await asyncio.sleep(0.3)
        summary = cache_list()
        assert [(s.model, s.entries, s.expired) for s in summary] == [
            ("anthropic/claude-3-5-haiku-latest", 2, 1)]
        assert cache_prune() == 1
        await model.generate("kept", config=GenerateConfig(cache={"expiry": None}))
        await model.generate("short-lived")
    assert len(server.requests) == 3  # "kept" came from the cache; the expired one did not


def test_cli_list_clear_prune(cache_dir: Path) -> None:
    env = {"EVALRUNNER_CACHE_DIR": str(cache_dir)}
    asyncio.run(_fill())
    listed = run_cli("cache", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["cache_dir"] == str(cache_dir)
    assert {m["model"]: m["entries"] for m in data["models"]} == {
        "mockllm/model": 2, "mockllm/other": 1}
    assert "mockllm/model" in run_cli("cache", "list", env=env).stdout
    assert run_cli("cache", "clear", env=env).returncode == 2
    cleared = run_cli("cache", "clear", "--model", "mockllm/model", env=env)
    assert cleared.returncode == 0 and "removed 2" in cleared.stdout
    assert [s.model for s in cache_list()] == ["mockllm/other"]
    assert "removed 0" in run_cli("cache", "prune", env=env).stdout
    assert cache_clear() == 1 and cache_list() == []


async def _fill() -> None:
    async with get_model("mockllm/model", config=GenerateConfig(cache=True),
                         memoize=False) as model:
        await model.generate("a")
        await model.generate("b")
    async with get_model("mockllm/other", config=GenerateConfig(cache=True),
                         memoize=False) as other:
        await other.generate("a")


def test_second_run_makes_no_request(tmp_path: Path, cache_dir: Path) -> None:
    samples = "\n".join(
        f'{{"id": {i}, "input": "What is {i} + {i}?", "target": "{2 * i}"}}' for i in range(1, 21)
    )
    write(tmp_path / "data.jsonl", samples + "\n")
    suite = write(tmp_path / "sums.yml", (
        "name: sums\n"
        "tasks:\n"
        "  - name: sums\n"
        "    dataset: {path: data.jsonl}\n"
        "    plan: [generate]\n"
        "    scorer: {match: {numeric: true, location: any}}\n"
    ))
    with start_openai_server(api_key=KEY, responder=_double) as handle:
        runs = [_run(handle, suite, tmp_path / f"logs{n}", cache_dir) for n in (1, 2)]
    first, second = runs
    assert first == (20, 0, 20) and second == (0, 20, 0)  # (requests, hits, misses)


def _run(handle: ServerHandle, suite: Path, logs: Path, cache_dir: Path) -> tuple[int, int, int]:
    before = len(handle.requests)
    result = run_cli(
        "run", str(suite), "--model", "openai/gpt-4o-mini", "--cache", "--temperature", "0",
        "--log-dir", str(logs), "--display", "none",
        env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": handle.url,
             "EVALRUNNER_CACHE_DIR": str(cache_dir)},
    )
    assert result.returncode == 0, result.stderr
    log = read_eval_log(next(logs.glob("*.json")))
    assert log.status == "success" and log.results is not None
    stats = log.stats.models["openai/gpt-4o-mini"]
    samples = log.samples or []
    assert len(samples) == 20
    hits = sum(1 for s in samples if s.output.cached)
    assert hits == stats.cache_hits
    assert all(s.scores["match"].value == "C" for s in samples)
    return len(handle.requests) - before, stats.cache_hits, stats.cache_misses


def _double(body: dict[str, object]) -> str:
    text = str(body["messages"][-1]["content"])  # type: ignore[index]
    number = int(text.split()[2])
    return f"The answer is {2 * number}."
