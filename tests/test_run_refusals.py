"""Bad options and refusals are located messages with exit 2, never a traceback, and come
before any request: count, limit and time options are checked as the suite's keys are,
unwritable report paths, template budgets, and `retry` makes the checks `run` makes."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evalrunner.runner import RunOptions
from evalrunner.runner._preflight import check_run
from tests.arith_suite import clean_env, make_suite, server_env
from tests.conftest import ROOT, run_cli, write
from tests.servers.openai_server import start_openai_server
from tests.test_retry_guard import killed_run


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--max-connections", "-1"], {}, "--max-connections: -1 is below the minimum of 1"),
    ([], {"EVALRUNNER_MAX_CONNECTIONS": "-1"}, "--max-connections: -1 is below the minimum"),
    (["--timeout", "-5"], {}, "--timeout: -5.0 must be more than 0"),
    (["--max-retries", "-2"], {}, "--max-retries: -2 is below the minimum of 0"),
    (["--max-tasks", "0"], {}, "--max-tasks: 0: give 1 or more"),
    (["--max-samples", "-1"], {}, "--max-samples: -1: give 1 or more"),
    (["--epochs", "0"], {}, "--epochs: 0: give 1 or more"),
])
def test_count_limit_and_time_options_are_checked_before_any_request(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    suite = make_suite(tmp_path, n=3)
    with start_openai_server() as server:
        result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"), *args,
                         env={**server_env(server.url), **env})
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert not server.requests  # it used to wait forever, or send 30 requests
    assert not (tmp_path / "logs").exists()


def test_options_given_in_code_are_checked_as_the_command_line_checks_them(
    tmp_path: Path,
) -> None:
    from evalrunner.model import GenerateConfig
    from evalrunner.suite import load_suite

    tasks = load_suite(make_suite(tmp_path, n=3)).tasks
    options = RunOptions(config=GenerateConfig(max_connections=-1, timeout=-5), max_tasks=0,
                         max_samples=-3, log_dir=str(tmp_path / "logs"))
    errors = sorted(str(e) for e in check_run(tasks, options, writes=False)[1])
    assert errors == [
        "--max-connections: -1 is below the minimum of 1",
        "--max-samples: -3: give 1 or more",
        "--max-tasks: 0: give 1 or more",
        "--timeout: -5.0 must be more than 0",
    ]


def test_a_template_budget_is_a_located_error_at_validate_and_run(tmp_path: Path) -> None:
    suite = write(tmp_path / "big.yml", (
        "name: big\nmodel: mockllm/model\n"
        "params: {x: \"${{ 'a' * 100000000 }}\"}\n"
        "tasks:\n  - name: t\n    dataset: {samples: [{input: hi, target: hi}]}\n"
        "    plan: [generate]\n    scorer: match\n"))
    for args in (["validate"], ["run", "--log-dir", str(tmp_path / "logs")]):
        result = run_cli(*args, str(suite))
        assert result.returncode == 2, result.stderr
        assert f"{suite}:3:" in result.stderr and "would build more than" in result.stderr
        assert "Traceback" not in result.stderr


def _without_dac_override() -> None:
    """Root without the capabilities that let it read and write any file: a mode-000
    folder refuses it as it refuses anyone (the tests run as root in CI)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        libc.prctl(pr_capbset_drop, capability, 0, 0, 0)


def test_unwritable_log_folder_and_report_paths_are_located_refusals(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=2)
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    locked.chmod(0)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "evalrunner", "run", str(suite), "--model", "mockllm/model",
             "--log-dir", str(locked / "inner" / "logs"), "--junit",
             str(locked / "inner" / "j.xml"), "--summary", str(locked / "x" / "s.md")],
            cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=120,
            preexec_fn=_without_dac_override if os.geteuid() == 0 else None,
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"--log-dir: {locked}/inner/logs: cannot write there: Permission denied" \
        in result.stderr
    assert f"--junit: {locked}/inner/j.xml: cannot look there: Permission denied" \
        in result.stderr
    assert f"--summary: {locked}/x/s.md: cannot look there: Permission denied" in result.stderr


def test_retry_makes_the_checks_run_makes_before_any_request(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=40)
    logs = tmp_path / "logs"
    with start_openai_server(latency=0.1) as server:
        log = killed_run(suite, logs, server, after=3)
        sent = len(server.requests)
        env = {k: v for k, v in server_env(server.url).items() if k != "TEST_BASE_URL"}
        result = run_cli("retry", str(logs), env=env)
        assert len(server.requests) == sent
    assert result.returncode == 2, result.stderr
    assert "model 'openai-api/test/small'" in result.stderr and "base URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(logs.glob("*.json")) == [log]  # no new error log


def test_retry_of_a_folder_whose_only_log_is_unreadable_says_so(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    empty = write(logs / "2026-01-01T00-00-00_t_0123456789abcdef.json", "")
    broken = write(logs / "2026-01-01T00-00-01_t_0123456789abcdee.json", "{\"version\": ")
    result = run_cli("retry", str(logs))
    assert result.returncode == 2, result.stderr
    assert f"{empty}: cannot read the log: empty" in result.stderr
    assert f"{broken}: cannot read the log" in result.stderr
    assert "nothing to retry" not in result.stderr


def test_an_eval_set_refused_a_resume_says_why_with_exit_2(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=40)
    logs = tmp_path / "logs"
    with start_openai_server(latency=0.1) as server:
        killed_run(suite, logs, server, after=3)
        data = tmp_path / "arith.jsonl"
        data.write_text(data.read_text().replace('"target": "2"', '"target": "3"'))
        sent = len(server.requests)
        result = run_cli("run", str(suite), "--log-dir", str(logs), "--retry-attempts", "1",
                         env=server_env(server.url))
        assert len(server.requests) == sent
    assert result.returncode == 2, result.stderr
    assert "changed since the run: dataset" in result.stderr
    assert "give the eval set another --log-dir" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(list(logs.glob("*.json"))) == 1
