"""Log commands and options: list logs, info log-file/log-schema, log folders, log levels."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from evalrunner.log import (
    EvalLog,
    EvalResults,
    EvalSample,
    EvalSpec,
    LogWriter,
    list_eval_logs,
    read_eval_log,
)
from tests.arith_suite import logs_in
from tests.conftest import ROOT, run_cli, write

NOISY = """\
import logging

from evalrunner import solver


@solver
def noisy():
    async def solve(state, generate):
        logging.getLogger("suite.noisy").info("looking at sample %s", state.sample_id)
        logging.getLogger("suite.noisy").warning("a warning")
        return state

    return solve
"""

SUITE = """\
name: noisy
model: mockllm/model
tasks:
  - name: noisy
    dataset: {samples: [{input: "a", target: "Default output"}, {input: "b", target: "x"}]}
    plan: [solvers.py@noisy, generate]
    scorer: includes
"""


def _noisy_suite(tmp_path: Path) -> Path:
    write(tmp_path / "solvers.py", NOISY)
    return write(tmp_path / "noisy.yml", SUITE)


def test_log_level_decides_what_python_logging_is_kept(tmp_path: Path) -> None:
    suite = _noisy_suite(tmp_path)
    info = run_cli("run", str(suite), "--log-dir", str(tmp_path / "info"), "--log-level", "info")
    default = run_cli("run", str(suite), env={"EVALRUNNER_LOG_DIR": str(tmp_path / "default")})
    assert info.returncode == 0 and default.returncode == 0, info.stderr
    kept = [(m.level, m.message) for m in logs_in(tmp_path / "info")[0].logging
            if m.name == "suite.noisy"]
    assert ("info", "looking at sample 1") in kept and ("warning", "a warning") in kept
    only_warnings = logs_in(tmp_path / "default")[0].logging
    assert {m.level for m in only_warnings if m.name == "suite.noisy"} == {"warning"}


def test_list_logs_filters_by_status_and_prints_json(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    ok = run_cli("run", "suites/examples/hello.yml", "--log-dir", str(logs))
    assert ok.returncode == 0
    bad = run_cli("run", str(_noisy_suite(tmp_path)), "--log-dir", str(logs),
                  "--fail-under", "accuracy=0.9")
    assert bad.returncode == 1
    _unfinished(logs / "killed.json")
    listed = run_cli("list", "logs", "--json", env={"EVALRUNNER_LOG_DIR": str(logs)})
    rows = json.loads(listed.stdout)
    assert sorted(r["status"] for r in rows) == ["started", "success", "success"]
    noisy = next(r for r in rows if r["task"] == "noisy")
    assert noisy["metrics"]["includes/accuracy"] == 0.5
    assert noisy["missed_thresholds"] and noisy["samples"] == 2
    started = run_cli("list", "logs", "--log-dir", str(logs), "--status", "started", "--json")
    [row] = json.loads(started.stdout)
    assert row["location"].endswith("killed.json") and row["samples"] is None
    plain = run_cli("list", "logs", "--log-dir", str(logs), "--status", "success")
    assert len(plain.stdout.splitlines()) == 2 and "hello" in plain.stdout


def _unfinished(path: Path) -> None:
    """A log whose process died: header and two samples, no trailer."""
    writer = LogWriter(str(path))
    log = EvalLog(eval=EvalSpec(run_id="k", task="killed", created="2020-01-01T00:00:00+00:00",
                                model="mockllm/model"))
    writer.start(log)
    for i in (1, 2):
        writer.write_sample(EvalSample(id=i, input="q"))
    writer._queue.put(None)
    assert writer._thread is not None and writer._file is not None
    writer._thread.join()
    writer._file.close()


def test_info_log_file_and_the_schema_the_logs_follow(tmp_path: Path) -> None:
    run_cli("run", "suites/examples/hello.yml", "--log-dir", str(tmp_path))
    [path] = list(tmp_path.glob("*.json"))
    schema = json.loads(run_cli("info", "log-schema").stdout)
    jsonschema.validate(json.loads(path.read_text()), schema)  # a finished log is plain JSON
    full = json.loads(run_cli("info", "log-file", str(path)).stdout)
    jsonschema.validate(full, schema)
    assert full["status"] == "success" and len(full["samples"]) == 2
    head = json.loads(run_cli("info", "log-file", f"file://{path}", "--header-only").stdout)
    assert head["samples"] == [] and head["results"] == full["results"]
    killed = tmp_path / "sub" / "killed.json"
    _unfinished(killed)
    cut = json.loads(run_cli("info", "log-file", str(killed)).stdout)
    assert cut["status"] == "started" and [s["id"] for s in cut["samples"]] == [1, 2]
    jsonschema.validate(cut, schema)


def test_logs_on_an_fsspec_file_system() -> None:
    writer = LogWriter("memory://evals/run/a.json")
    log = EvalLog(eval=EvalSpec(run_id="m", task="remote", created="2026-01-01T00:00:00+00:00",
                                model="mockllm/model"))
    writer.start(log)
    for i in range(3):
        writer.write_sample(EvalSample(id=i + 1, input="q"))
    log.status = "success"
    log.results = EvalResults(total_samples=3, completed_samples=3)
    writer.finish(log)
    [header] = list_eval_logs("memory://evals", status="success")
    assert header.eval.task == "remote" and header.samples == []
    full = read_eval_log(str(header.location))
    assert [s.id for s in full.samples] == [1, 2, 3]


def test_the_checked_in_log_schema_is_current() -> None:
    # Regenerate with: evalrunner info log-schema > schemas/log.schema.json
    checked_in = json.loads((ROOT / "schemas" / "log.schema.json").read_text())
    assert checked_in == EvalLog.model_json_schema()
