"""The Python entry point: `evalrunner.eval` called twice in one process (two event loops)."""

from __future__ import annotations

from pathlib import Path

import pytest

import evalrunner
from tests.conftest import write
from tests.servers.openai_server import start_openai_server

SUITE = """
name: api
model: openai-api/test/small
tasks:
  - name: echo
    dataset:
      samples:
        - {input: "say 7", target: "7"}
        - {input: "say 8", target: "8"}
    plan: [generate]
    scorer: {match: {location: any}}
"""


def test_eval_twice_in_one_process_reuses_the_memoized_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = write(tmp_path / "api.yml", SUITE)
    with start_openai_server(responder=lambda body: body["messages"][-1]["content"]) as server:
        monkeypatch.setenv("TEST_BASE_URL", server.url)
        monkeypatch.setenv("TEST_API_KEY", "test-key")
        first = evalrunner.eval(suite, log_dir=str(tmp_path / "one"))
        # A second asyncio.run: clients and connection limits of the first loop are dead.
        second = evalrunner.eval(suite, log_dir=str(tmp_path / "two"))
        assert len(server.requests) == 4
    for logs in (first, second):
        (log,) = logs
        assert log.status == "success", log.error
        assert log.results is not None
        assert log.results.scores[0].metrics["accuracy"].value == 1.0


def test_one_model_used_from_two_event_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    # No close in between: the HTTP client and the connection limit made in the first
    # loop are dead in the second, and must be made again there.
    import asyncio

    from evalrunner.model import GenerateConfig, get_model

    with start_openai_server() as server:
        monkeypatch.setenv("TEST_BASE_URL", server.url)
        monkeypatch.setenv("TEST_API_KEY", "test-key")
        with get_model("openai-api/test/small", memoize=False,
                       config=GenerateConfig(max_connections=1)) as model:
            # Two calls at once on one connection: each loop's waits use its own limit.
            async def both(a: str, b: str) -> list[str]:
                outputs = await asyncio.gather(model.generate(a), model.generate(b))
                return [output.completion for output in outputs]

            answers = asyncio.run(both("one", "two")) + asyncio.run(both("three", "four"))
    assert answers == ["one", "two", "three", "four"]
