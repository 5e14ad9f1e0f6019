"""What `evalrunner run` shows while it runs, driven in a pseudo-terminal like a person's."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server

API_KEY = "display-secret-key-0042"
MODEL = "openai-api/test/small"
N = 12

# A solver that logs a warning in the middle of the run: it must show above the progress.
SOLVERS = """\
import logging

try:
    from evalrunner.solvers import solver
except ImportError:
    from evalrunner.solvers import solver


@solver
def note():
    async def solve(state, generate):
        if str(state.sample_id) == "3":
            logging.getLogger("suite").warning("sample 3 looks odd")
        return state

    return solve
"""


def _answer(body: dict[str, Any]) -> str:
    match = re.search(r"(\d+) \+ (\d+)", str(body["messages"][-1]["content"]))
    return f"The answer is {int(match[1]) + int(match[2])}." if match else "?"


def _suite(folder: Path) -> Path:
    rows = "\n".join(
        f'        - {{id: {i}, input: "What is {i} + {i}?", target: "{2 * i}"}}'
        for i in range(1, N + 1)
    )
    write(folder / "solvers.py", SOLVERS)
    return write(
        folder / "arith.yml",
        f"name: arith\nmodel: {MODEL}\ntasks:\n  - name: sums\n    dataset:\n      samples:\n"
        f"{rows}\n    plan:\n      - solvers.py@note\n      - generate\n"
        "    scorer: {match: {numeric: true, location: any}}\n    metrics: [accuracy, stderr]\n",
    )


@pytest.fixture
def server() -> Iterator[ServerHandle]:
    # 0.15 s a reply, 2 connections: 12 samples take about a second; two 429s first.
    with start_openai_server(responder=_answer, latency=0.15, fail_429=2, api_key=API_KEY) as s:
        yield s


def _env(server: ServerHandle, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EVALRUNNER_", "OPENAI_")) and k != "CI"}
    env.update(TEST_BASE_URL=server.url, TEST_API_KEY=API_KEY, COLUMNS="80", LINES="30",
               TERM="xterm-256color", **extra)
    return env


def run_in_pty(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """Run the CLI with a terminal of 80 columns as stdin, stdout and stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 80, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", *args],
        cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, b"".join(chunks).decode("utf-8", errors="replace")


PROGRESS = re.compile(
    r"^sums: (\d+)/12 samples \(\d+%\)(?:, accuracy (\d\.\d{3}))?, 0:00:\d\d elapsed"
    r"(, ~0:00:\d\d left)? \| "
    # The live connection limit drops below the bound of 2 after the scripted 429s.
    rf"{re.escape(MODEL)} \(evaluated\): (\d)/[12] connections(?: \(max 2\))?, "
    r"(\d) rate limits, (\d) retries, "
    r"[\d,]+ tokens in, [\d,]+ out$"
)


def test_plain_mode_line_by_line(tmp_path: Path, server: ServerHandle) -> None:
    suite = _suite(tmp_path)
    env = _env(server, EVALRUNNER_PROGRESS_INTERVAL="0.25")
    code, out = run_in_pty(
        ["run", str(suite), "--log-dir", str(tmp_path / "logs"), "--max-connections", "2",
         "--display", "plain"], env)
    assert code == 0, out
    lines = out.replace("\r\n", "\n").strip("\n").split("\n")
    assert lines[0] == f"sums: started, 12 samples, model {MODEL}"
    end = lines.index(next(line for line in lines if line.startswith("sums: success")))
    assert re.fullmatch(r"sums: success, 12/12 samples in 0:00:0\d", lines[end])
    middle = lines[1:end]
    assert "[warning] suite: sample 3 looks odd" in middle
    progress = [PROGRESS.match(line) for line in middle if line.startswith("sums: ")]
    assert len(progress) >= 2 and all(progress), "\n".join(middle)
    done = [int(m[1]) for m in progress if m]
    assert done == sorted(done)
    assert any(m[5] == "2" and m[6] == "2" for m in progress if m)  # 2 rate limits, 2 retries
    assert any(m[2] == "1.000" for m in progress if m)  # the running accuracy
    assert len(middle) == len(progress) + 1  # nothing else is printed while it runs
    summary = lines[end + 1 :]
    assert summary[0] == f"sums ({MODEL}): success, 12 samples"
    assert summary[1] == "  match: accuracy=1.000, stderr=0.000"
    assert re.fullmatch(rf"  tokens: [\d,]+ \({re.escape(MODEL)}: [\d,]+ in, [\d,]+ out\)"
                        r"  time: 0:00:0\d", summary[2])
    assert re.fullmatch(rf"  log: {re.escape(str(tmp_path / 'logs'))}/\S+_sums_\w+\.json",
                        summary[3])
    assert len(summary) == 4
    assert API_KEY not in out


_CURSOR = re.compile(r"\x1b\[[0-9;?]*[ABCDGHJKfsu]|\r\n|\r|\n")
_STYLE = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07")


def screen_lines(out: str) -> list[str]:
    """Terminal output as the lines it draws (cursor moves end a line), without styles."""
    return [_STYLE.sub("", part) for part in _CURSOR.split(out)]


def test_rich_mode_renders_at_80_columns(tmp_path: Path, server: ServerHandle) -> None:
    suite = _suite(tmp_path)
    # No --display: a terminal (and no CI variable) chooses the live display.
    code, out = run_in_pty(
        ["run", str(suite), "--log-dir", str(tmp_path / "logs"), "--max-connections", "2"],
        _env(server))
    assert code == 0, out
    assert "Traceback" not in out and API_KEY not in out
    lines = screen_lines(out)
    # Everything fits 80 columns but the log path, which is printed unbroken on its own
    # line (longer than the screen here) so it can be copied whole.
    too_wide = [line for line in lines if len(line) > 80 and not line.startswith("log ")]
    assert not too_wide, too_wide
    bars = [line for line in lines if line.startswith("sums ") and "━" in line]
    assert len(bars) >= 2, lines  # redrawn while it ran
    assert any(re.search(r"\b12/12 0:00:0\d elapsed", line) for line in bars)
    assert any(re.search(r"\b[1-9]/12 0:00:0\d elapsed, [-:0-9]+ left", line) for line in bars)
    header = [line for line in lines if line.split()[:3] == ["model", "role", "connections"]]
    assert header and "rate limits" in header[0] and "tokens in/out" in header[0]
    model_rows = [line.split() for line in lines if line.startswith(MODEL)]
    assert model_rows and all(row[1] == "evaluated" for row in model_rows)
    # in flight/live limit: the scripted 429s cut the live limit below the bound of 2
    assert all(re.fullmatch(r"\d/[12]", row[2]) for row in model_rows)
    assert any(row[2].endswith("/2") for row in model_rows)
    assert any(row[3] == "2" and row[4] == "2" for row in model_rows)  # rate limits, retries
    # The running value of the first metric, named in full.
    assert any(re.search(r"\baccuracy 1\.000$", line.rstrip()) for line in bars), bars
    assert "[warning] suite: sample 3 looks odd" in lines
    panel = "\n".join(lines[lines.index(next(x for x in lines if x.startswith("╭─ sums"))):])
    assert f"sums · {MODEL} · success" in panel
    assert re.search(r"│ match\s+1\.000\s+0\.000\s+│", panel)
    assert "│ samples  12/12" in panel
    # The log path is printed below the panel on one line, never wrapped.
    log_line = next(line for line in lines if line.startswith("log "))
    assert log_line.endswith(".json") and str(tmp_path / "logs") in log_line


def test_none_prints_only_the_summary_and_pipes_choose_plain(
    tmp_path: Path, server: ServerHandle
) -> None:
    suite = _suite(tmp_path)
    env = {"TEST_BASE_URL": server.url, "TEST_API_KEY": API_KEY}
    quiet = run_cli("run", str(suite), "--log-dir", str(tmp_path / "a"), "--display", "none",
                    env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert quiet.stdout.startswith(f"sums ({MODEL}): success, 12 samples\n")
    piped = run_cli("run", str(suite), "--log-dir", str(tmp_path / "b"), env=env)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr.startswith(f"sums: started, 12 samples, model {MODEL}\n")
    assert "sums: success, 12/12 samples in" in piped.stderr and "━" not in piped.stderr
    assert "[warning] suite: sample 3 looks odd" in piped.stderr
