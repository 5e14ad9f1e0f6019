"""The shared OpenAI-compatible path against a real server: `python -m llama_cpp.server`
serving SmolLM2 (the `local` extra). At temperature 0, `suites/examples/basics.yml`
through `llama-cpp-python/smollm2` must answer and score exactly as `local/smollm2`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli
from tests.extras import LOCAL, needs_extra
from tests.servers.llama_server import llama_server as start_llama_server

pytestmark = needs_extra("local", *LOCAL)


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_llama_server(tmp_path_factory.mktemp("llama") / "server.log") as (url, _):
        yield url


def _run(model: str, logs: Path, env: dict[str, str]) -> dict[str, EvalLog]:
    result = run_cli("run", "suites/examples/basics.yml", "--model", model,
                     "--log-dir", str(logs), "--display", "none", env=env)
    assert result.returncode == 0, result.stderr
    runs = [read_eval_log(path) for path in logs.glob("*.json")]
    return {log.eval.task: log for log in runs}


def test_basics_scores_the_same_as_local(llama_server: str, tmp_path: Path) -> None:
    served = _run("llama-cpp-python/smollm2", tmp_path / "served",
                  {"LLAMA_CPP_PYTHON_BASE_URL": llama_server})
    local = _run("local/smollm2", tmp_path / "local", {})
    assert set(served) == set(local) == {"facts", "arithmetic"}
    for task in served:
        a, b = served[task], local[task]
        assert a.status == b.status == "success"
        answers_a = {s.id: s.output.completion for s in a.samples or []}
        answers_b = {s.id: s.output.completion for s in b.samples or []}
        assert answers_a == answers_b, task
        assert a.results is not None and b.results is not None
        assert a.results.model_dump()["scores"] == b.results.model_dump()["scores"]
