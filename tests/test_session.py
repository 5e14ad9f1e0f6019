"""The one session: hooks fire the same from every entry point (run, eval sets, retry, Ray),
and the Python entry points that finish or score logs work inside a running event loop."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import evalrunner
from tests.arith_suite import logs_in, make_suite, server_env
from tests.conftest import ROOT, run_cli, write
from tests.extras import needs_extra
from tests.servers.openai_server import start_openai_server
from tests.test_eval_set import FailFirst
from tests.test_hooks import RECORDER

GOOD = "openai-api/test/good"


def _hooked(tmp_path: Path, url: str) -> dict[str, str]:
    write(tmp_path / "recorder.py", RECORDER)
    return {**server_env(url), "PYTHONPATH": str(ROOT),
            "EVALRUNNER_HOOKS": f"{tmp_path / 'recorder.py'}@Recorder",
            "HOOK_EVENTS": str(tmp_path / "events.jsonl")}


def _events(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _check_one_run(seen: list[dict[str, Any]], tasks: int, samples: int) -> None:
    """One run's events, in order: start, each task with its samples, end."""
    kinds = [e["event"] for e in seen]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end", kinds
    assert kinds.count("run_start") == kinds.count("run_end") == 1
    assert kinds.count("task_start") == kinds.count("task_end") == tasks, kinds
    assert kinds.count("sample_end") == samples, kinds
    assert len({e["run"] for e in seen}) == 1  # every event carries the run's id


def test_hooks_fire_for_an_eval_set(tmp_path: Path) -> None:
    """`run --retry-attempts 0` is an eval set: it fired no task events before."""
    suite = make_suite(tmp_path, n=3)
    with start_openai_server(responder=FailFirst("nobody", 0)) as server:
        result = run_cli("run", str(suite), "--model", GOOD, "--log-dir", str(tmp_path / "logs"),
                         "--retry-attempts", "0", env=_hooked(tmp_path, server.url))
    assert result.returncode == 0, result.stderr
    seen = _events(tmp_path)
    _check_one_run(seen, tasks=1, samples=3)
    assert [e["status"] for e in seen if e["event"] == "task_end"] == ["success"]


def test_hooks_fire_for_retry_and_for_an_eval_set_resuming(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=3)
    logs = tmp_path / "logs"
    args = ["--model", GOOD, "--log-dir", str(logs), "--max-retries", "0"]
    with start_openai_server(responder=FailFirst("good", 1)) as server:
        env = _hooked(tmp_path, server.url)
        first = run_cli("run", str(suite), *args, env=env)
        assert first.returncode == 1  # one sample failed: the task failed
        (tmp_path / "events.jsonl").unlink()
        retried = run_cli("retry", str(logs), env=env)
        assert retried.returncode == 0, retried.stderr
        seen = _events(tmp_path)
        _check_one_run(seen, tasks=1, samples=1)  # only the failed sample ran again
        assert seen[-2]["event"] == "task_end" and seen[-2]["status"] == "success"
        # An eval set over the same folder finds the success and runs nothing, in a run
        # the hooks still see start and end.
        (tmp_path / "events.jsonl").unlink()
        again = run_cli("run", str(suite), *args, "--retry-attempts", "1", env=env)
        assert again.returncode == 0, again.stderr
        assert [e["event"] for e in _events(tmp_path)] == ["run_start", "run_end"]


@needs_extra("ray", "ray")
def test_hooks_fire_for_a_ray_run(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=3)
    with start_openai_server(responder=FailFirst("nobody", 0)) as server:
        env = {**_hooked(tmp_path, server.url), "RAY_ADDRESS": ""}
        result = run_cli("run", str(suite), "--model", GOOD, "--executor", "ray",
                         "--log-dir", str(tmp_path / "logs"), env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    seen = _events(tmp_path)
    _check_one_run(seen, tasks=1, samples=3)  # samples ran in units; the driver tells hooks


def test_eval_retry_and_score_inside_a_running_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = make_suite(tmp_path, n=3)
    logs = tmp_path / "logs"
    with start_openai_server(responder=FailFirst("good", 1)) as server:
        for key, value in server_env(server.url).items():
            monkeypatch.setenv(key, value)
        first = run_cli("run", str(suite), "--model", GOOD, "--log-dir", str(logs),
                        "--max-retries", "0", env=server_env(server.url))
        assert first.returncode == 1

        async def notebook_cell() -> tuple[list[evalrunner.EvalLog], evalrunner.EvalLog]:
            # As in Jupyter: the loop is running while the cell calls the sync API.
            retried = evalrunner.eval_retry(str(logs))
            scored = evalrunner.score(str(retried[0].location))
            return retried, scored

        retried, scored = asyncio.run(notebook_cell())
    assert [log.status for log in retried] == ["success"]
    assert scored.results is not None and scored.results.total_samples == 3
    assert len(logs_in(logs)) == 2


@needs_extra("ray", "ray")
def test_a_python_task_runs_on_ray_like_a_yaml_one(tmp_path: Path) -> None:
    """The Ray units make the task again from its file, through the preflight."""
    write(tmp_path / "qa.jsonl", "".join(
        f'{{"id": {i}, "input": "What is {i} + {i}?", "target": "{2 * i}"}}\n'
        for i in range(1, 5)))
    write(tmp_path / "sums.py", (
        "from evalrunner import Task, task\n"
        "from evalrunner.dataset import json_dataset\n"
        "from evalrunner.scorers import match\n"
        "from evalrunner.solvers import generate\n\n"
        "@task\n"
        "def sums(n: int = 4):\n"
        "    return Task(dataset=json_dataset('qa.jsonl', limit=n), solver=generate(),\n"
        "                scorer=match(numeric=True, location='any'))\n"))
    with start_openai_server(responder=FailFirst("nobody", 0)) as server:
        env = {**_hooked(tmp_path, server.url), "RAY_ADDRESS": ""}
        result = run_cli("run", str(tmp_path / "sums.py"), "-T", "n=3", "--model", GOOD,
                         "--executor", "ray", "--log-dir", str(tmp_path / "logs"), env=env,
                         timeout=300)
    assert result.returncode == 0, result.stderr
    [log] = logs_in(tmp_path / "logs")
    assert log.status == "success" and log.eval.params == {"n": 3}
    assert sorted(int(s.id) for s in log.samples) == [1, 2, 3]
    assert log.results is not None and log.results.scores[0].metrics["accuracy"].value == 1.0
    _check_one_run(_events(tmp_path), tasks=1, samples=3)
