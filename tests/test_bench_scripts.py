"""The throughput and retry-race benchmarks run end to end on a small cell (the figures are
the docs' business, not a test's): each prints its table row."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_throughput_bench_runs_a_small_cell_with_a_rate_limited_server() -> None:
    result = subprocess.run(
        [sys.executable, "bench/throughput.py", "-n", "60", "-c", "12", "--latency", "0.01",
         "--allowance", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| 60 |")]
    assert len(rows) == 1, result.stdout
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[:3] == ["60", "12", "4"]
    assert cells[-2] == "yes"  # every sample scored
    assert " to " in cells[-1]  # the machine's load average beside the figures
    assert int(cells[9].replace(",", "")) >= 60  # the server saw every request


def test_retry_race_bench_runs_one_small_trial() -> None:
    result = subprocess.run(
        [sys.executable, "bench/retry_race.py", "--trials", "1", "-n", "40", "--kinds", "retry"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "duplicates found: 0" in result.stdout
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("| two `retry`")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:5] == ["1", "40", "0", "0"]  # one trial, no sample sent or held twice
    assert cells[-1] == "1"  # the folder ends with one complete log
