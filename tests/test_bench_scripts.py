"""The throughput benchmark runs end to end on a small cell (the figures are the docs'
business, not a test's): it prints a table row, every sample scored."""

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
    assert cells[-1] == "yes"  # every sample scored
    assert int(cells[9].replace(",", "")) >= 60  # the server saw every request
