"""Suites of many tasks: folder scanning, -F filters, --max-tasks sharing connection limits."""

from __future__ import annotations

import json
from pathlib import Path

from tests.arith_suite import answer_wrong_on, logs_in, make_suite, server_env
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server

TWO_TASKS = """\
name: pair
model: mockllm/model
x-owner: alice
tasks:
  - name: light_one
    tags: [light]
    x-tier: 1
    dataset: {samples: [{input: "hi", target: "Default output"}]}
    plan: [generate]
    scorer: includes
  - name: heavy_one
    x-tier: 2
    dataset: {samples: [{input: "hi", target: "Default output"}]}
    plan: [generate]
    scorer: includes
"""

ONE_TASK = """\
name: {name}
model: mockllm/model
tasks:
  - name: {name}
    tags: [light]
    dataset: {{samples: [{{input: "hi", target: "Default output"}}]}}
    plan: [generate]
    scorer: includes
"""


def _tree(root: Path) -> None:
    write(root / "pair.yml", TWO_TASKS)
    write(root / "deep" / "er" / "nested.yaml", ONE_TASK.format(name="nested"))
    for skipped in ("_private", ".hidden", "tests", "venv", "env"):
        write(root / skipped / "s.yml", ONE_TASK.format(name=skipped.strip("._")))
    write(root / "_draft.yml", ONE_TASK.format(name="draft"))
    write(root / "config.yml", "other: tool config, not a suite\n")


def test_folders_are_scanned_with_the_skip_rules(tmp_path: Path) -> None:
    _tree(tmp_path / "evals")
    result = run_cli("list", "tasks", str(tmp_path / "evals"), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert sorted(r["task"] for r in rows) == ["heavy_one", "light_one", "nested"]
    light = json.loads(
        run_cli("list", "tasks", str(tmp_path / "evals"), "--json", "-F", "light").stdout
    )
    assert sorted(r["task"] for r in light) == ["light_one", "nested"]
    tier = json.loads(run_cli("list", "tasks", str(tmp_path / "evals"), "--json",
                              "-F", "tier=2", "-F", "owner=alice").stdout)
    assert [r["task"] for r in tier] == ["heavy_one"]
    assert tier[0]["attrs"] == {"x-owner": "alice", "x-tier": 2}


def test_run_over_a_folder_writes_one_log_per_task_and_a_total(tmp_path: Path) -> None:
    _tree(tmp_path / "evals")
    logs = tmp_path / "logs"
    result = run_cli("run", str(tmp_path / "evals"), "-F", "light", "--fail-under", "accuracy=1",
                     env={"EVALRUNNER_LOG_DIR": str(logs)})  # the log folder from the environment
    assert result.returncode == 0, result.stderr
    assert sorted(log.eval.task for log in logs_in(logs)) == ["light_one", "nested"]
    assert "2 tasks: 2 success" in result.stderr


def test_max_tasks_run_together_within_one_connection_limit(tmp_path: Path) -> None:
    make_suite(tmp_path / "suites", n=6, name="first", task="first")
    make_suite(tmp_path / "suites", n=6, name="second", task="second")
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.15) as server:
        result = run_cli("run", str(tmp_path / "suites"), "--log-dir", str(logs),
                         "--max-tasks", "2", "--max-connections", "3", env=server_env(server.url))
        assert result.returncode == 0, result.stderr
        # Both tasks call the same model: together they never exceed its 3 connections…
        assert server.peak_concurrency == 3
    first, second = sorted(logs_in(logs), key=lambda log: log.eval.task)
    # …and they did run at the same time: their sample time spans overlap.
    spans = [
        (min(s.started_at or 0 for s in log.samples),
         max((s.started_at or 0) + (s.total_time or 0) for s in log.samples))
        for log in (first, second)
    ]
    assert spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1]
    assert "2 tasks: 2 success" in result.stderr
