"""The shared OpenAI-compatible path against a real server: `python -m llama_cpp.server`
serving SmolLM2 (the `local` extra). At temperature 0, `suites/examples/basics.yml`
through `llama-cpp-python/smollm2` must answer and score exactly as `local/smollm2`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from evalrunner.log import EvalLog, read_eval_log
from evalrunner.model.providers.local import _bundled_path
from tests.conftest import run_cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    # The server logs a lot while loading: to a file, so a full pipe never blocks it.
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", _bundled_path("smollm2"),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("llama_cpp.server did not start within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


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
