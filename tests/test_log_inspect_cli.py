"""Every log command reads Inspect's logs as well as evalrunner's: `list logs`, `info
log-file`, `diff`, `score`, `logs convert`, and Python's `read_eval_log`.

tests/data/inspect holds one run of a three-sample task by Inspect itself (`sums.eval`
and the same as `sums.json`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evalrunner.log import list_eval_logs, read_eval_log
from tests.conftest import ROOT, run_cli

INSPECT_LOGS = ROOT / "tests" / "data" / "inspect"


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    shutil.copytree(INSPECT_LOGS, folder)
    return folder


def test_list_logs_shows_inspect_logs(logs: Path) -> None:
    result = run_cli("list", "logs", "--log-dir", str(logs), "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert sorted(Path(r["location"]).name for r in rows) == ["sums.eval", "sums.json"]
    assert all(r["task"] == "sums" and r["status"] == "success" for r in rows)
    assert all(r["metrics"] for r in rows)
    assert {Path(str(h.location)).name for h in list_eval_logs(logs)} == {"sums.eval",
                                                                          "sums.json"}


def test_info_and_read_eval_log(logs: Path) -> None:
    result = run_cli("info", "log-file", str(logs / "sums.eval"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["eval"]["task"] == "sums" and len(data["samples"]) == 3
    kinds = {e["event"] for e in data["samples"][0]["events"]}
    assert {"span_begin", "span_end"} <= kinds
    header = json.loads(run_cli("info", "log-file", str(logs / "sums.json"),
                                "--header-only").stdout)
    assert header["samples"] == [] and header["results"]["scores"]
    log = read_eval_log(logs / "sums.eval")
    spans = [e for e in log.samples[0].events if e.event == "span_begin"]
    assert "solvers" in {e.name for e in spans} or len(spans) >= 3


def test_diff_of_two_inspect_logs(logs: Path) -> None:
    result = run_cli("diff", str(logs / "sums.eval"), str(logs / "sums.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accuracy" in result.stdout


def test_score_an_inspect_log_writes_beside_it(logs: Path) -> None:
    before = (logs / "sums.eval").read_bytes()
    result = run_cli("score", str(logs / "sums.eval"), "--scorer", "includes")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert (logs / "sums.eval").read_bytes() == before  # Inspect's own file is untouched
    scored = read_eval_log(logs / "sums-scored.eval")
    assert scored.status == "success" and len(scored.samples) == 3
    assert all("includes" in s.scores for s in scored.samples)
    inspect_log = pytest.importorskip("inspect_ai.log", reason="inspect-ai is not installed")
    again = inspect_log.read_eval_log(str(logs / "sums-scored.eval"))
    assert all(s.scores is not None and "includes" in s.scores for s in again.samples)


def test_convert_both_ways(logs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("logs", "convert", str(logs / "sums.eval"), "--to", "json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    native = read_eval_log(out / "sums.json")
    with open(out / "sums.json", encoding="utf-8") as f:
        assert f.readline().rstrip().endswith('"samples":[')  # evalrunner's own format
    result = run_cli("logs", "convert", str(out / "sums.json"), "--to", "eval")
    assert result.returncode == 0, result.stderr
    back = read_eval_log(out / "sums.eval")
    assert back.model_dump(exclude={"samples"}) == native.model_dump(exclude={"samples"})
    assert [s.model_dump() for s in back.samples] == [s.model_dump() for s in native.samples]
    bad = run_cli("logs", "convert", str(out / "sums.eval"), "--to", "eval")
    assert bad.returncode == 2 and "already" in bad.stderr
