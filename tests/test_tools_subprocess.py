"""subprocess() and concurrency(): at most N processes at once, hung commands killed in time."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import run as subprocess_run

import pytest

from evalrunner.log import read_eval_log
from evalrunner.tools._subprocess import (
    concurrency,
    max_subprocesses,
    set_max_subprocesses,
    subprocess,
)
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server
from tests.servers.scripted_server import scripted_reply

# Each run appends "<id> s|e <time>" to a file: the intervals show how many ran at once.
# (An id of its own, not $$: tools run in PID namespaces of their own, where pids repeat.)
STAMPED = ('id=$(cat /proc/sys/kernel/random/uuid); echo "$id s $(date +%s.%N)" >> {log}; '
           'sleep {secs}; echo "$id e $(date +%s.%N)" >> {log}')


@pytest.fixture
def limit_two() -> Iterator[None]:
    set_max_subprocesses(2)
    yield
    set_max_subprocesses(None)


def peak_overlap(log: Path) -> tuple[int, int]:
    """(most processes running at once, processes seen) from a stamp file."""
    events: list[tuple[float, int]] = []
    pids = set()
    for line in log.read_text().splitlines():
        pid, kind, stamp = line.split()
        pids.add(pid)
        events.append((float(stamp), 1 if kind == "s" else -1))
    running = peak = 0
    for _, step in sorted(events, key=lambda e: (e[0], e[1])):
        running += step
        peak = max(peak, running)
    return peak, len(pids)


async def test_at_most_max_subprocesses_run_at_once(tmp_path: Path, limit_two: None) -> None:
    log = tmp_path / "stamps"
    command = ["sh", "-c", STAMPED.format(log=log, secs=0.3)]
    results = await asyncio.gather(*(subprocess(command) for _ in range(6)))
    assert all(r.success for r in results)
    peak, seen = peak_overlap(log)
    assert seen == 6 and peak == 2


async def test_a_hung_command_is_killed_at_its_timeout(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # The shell and a child of it: both must be gone after the timeout.
    script = f"echo $$ > {pids}; sleep 30 & echo $! >> {pids}; wait"
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await subprocess(["sh", "-c", script], timeout=0.5)
    assert time.monotonic() - started < 5
    await asyncio.sleep(0.1)
    assert [pid for pid in pids.read_text().split() if alive(pid)] == []


def alive(pid: str) -> bool:
    """Whether a process runs (a killed child not yet reaped by init is a zombie: dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_output_is_capped_and_input_is_fed() -> None:
    result = await subprocess(["sh", "-c", "cat; head -c 5000 /dev/zero | tr '\\0' x"],
                              input="hello ", output_limit=100)
    assert result.success and result.truncated
    assert result.stdout == "hello " + "x" * 94
    failed = await subprocess(["sh", "-c", "echo oops >&2; exit 3"])
    assert not failed.success and failed.returncode == 3 and failed.stderr == "oops\n"


async def test_concurrency_limits_a_named_resource() -> None:
    running = peak = 0

    async def work() -> None:
        nonlocal running, peak
        async with concurrency("test-api", 3):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1

    await asyncio.gather(*(work() for _ in range(10)))
    assert peak == 3


def test_max_subprocesses_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALRUNNER_MAX_SUBPROCESSES", "5")
    assert max_subprocesses() == 5
    monkeypatch.delenv("EVALRUNNER_MAX_SUBPROCESSES")
    assert max_subprocesses() == (os.cpu_count() or 1)


def test_bash_tool_through_the_cli_respects_the_limit_and_timeout(tmp_path: Path) -> None:
    log = tmp_path / "stamps"
    commands = [STAMPED.format(log=log, secs=0.4)] * 5 + ["sleep 30"]
    records = [{"id": i, "input": f"Run it.\nCALL bash {json.dumps({'cmd': c})}"}
               for i, c in enumerate(commands, 1)]
    write(tmp_path / "data.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    suite = write(tmp_path / "bash.yml", """
tasks:
  - name: stamps
    dataset: {path: data.jsonl}
    plan:
      - use_tools:
          - bash: {timeout: 1}
      - generate
""")
    with start_openai_server(responder=scripted_reply) as server:
        started = time.monotonic()
        result = run_cli(
            "run", str(suite), "--model", "openai-api/test/small", "--log-dir",
            str(tmp_path / "logs"), "--display", "plain",
            env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
                 "EVALRUNNER_MAX_SUBPROCESSES": "2"},
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    peak, seen = peak_overlap(log)
    assert seen == 5 and peak == 2
    assert elapsed < 20  # the hung command did not hold the run for its 30 seconds
    (log_file,) = (tmp_path / "logs").glob("*.json")
    hung = next(s for s in read_eval_log(log_file).samples if s.id == 6)
    tool = next(m for m in hung.messages if m.role == "tool")
    assert tool.error == "the command timed out after 1 seconds"


async def test_a_child_holding_the_output_ends_with_the_call(tmp_path: Path) -> None:
    marker = tmp_path / "late"
    started = time.monotonic()
    # The child keeps the shell's stdout open: reading to its end would wait for it.
    result = await subprocess(["sh", "-c", f"(sleep 2; echo late > {marker}) & echo started"])
    assert result.stdout == "started\n" and time.monotonic() - started < 1.8
    await asyncio.sleep(2.5)
    assert not marker.exists()  # killed with its call, though the shell had exited


ESCAPED = "setsid sh -c 'sleep 2; echo late > {marker}' & "  # a session of its own


@pytest.mark.parametrize("where", ["no sandbox", "local"])
@pytest.mark.parametrize("how", ["timeout", "cancel", "exit"])
async def test_a_host_command_and_what_it_started_die_with_the_call(how: str, where: str,
                                                                    tmp_path: Path) -> None:
    from evalrunner.sandbox.backends.local import LocalSandbox
    from evalrunner.tools._exec import run_command

    marker = tmp_path / "late"
    script = ESCAPED.format(marker=marker) + ("echo started" if how == "exit" else "sleep 30")
    timeout = 0.5 if how == "timeout" else None
    started = time.monotonic()
    run = (run_command(["sh", "-c", script], timeout=timeout) if where == "no sandbox" else
           LocalSandbox(tmp_path).exec(["sh", "-c", script], timeout=timeout))
    call = asyncio.ensure_future(run)
    if how == "cancel":
        await asyncio.sleep(0.5)
        call.cancel()
    done, _ = await asyncio.wait([call], timeout=5)
    assert done, "the call did not end"
    assert time.monotonic() - started < 3
    if how == "exit":
        assert call.result().stdout == "started\n"
    else:
        with pytest.raises(asyncio.CancelledError if how == "cancel" else TimeoutError):
            call.result()
    await asyncio.sleep(2.5)
    assert not marker.exists()  # the escaped child died with its PID namespace


def test_a_run_with_a_detached_child_ends_at_its_limit_without_noise(tmp_path: Path) -> None:
    marker = tmp_path / "late"
    # A duration no other test uses, so that pgrep finds this test's command only.
    hang = f"sleep 600.{secrets.randbelow(10**9):09d}"
    command = f"setsid sh -c 'sleep 8; echo late > {marker}' & {hang}"
    suite = write(tmp_path / "s.yml", f"""
tasks:
  - name: detached
    limits: {{seconds: 2}}
    dataset:
      samples:
        - input: |
            CALL bash {json.dumps({'cmd': command})}
    plan: [{{use_tools: [bash]}}, generate]
""")
    with start_openai_server(responder=scripted_reply) as server:
        started = time.monotonic()
        # A run that waited for the command would take its 600 s: run_cli's timeout (well
        # above what a loaded machine needs for a 2 s limit) raises then.
        result = run_cli("run", str(suite), "--model", "openai-api/test/small", "--log-dir",
                         str(tmp_path / "logs"), "--display", "plain",
                         env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"},
                         timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    hung = subprocess_run(["pgrep", "-f", hang], check=False, capture_output=True)
    assert hung.returncode != 0, "the command outlived its run"
    assert "Event loop is closed" not in result.stderr
    assert "Exception ignored" not in result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    (sample,) = read_eval_log(log_file).samples
    assert sample.limit is not None
    time.sleep(max(0.0, 9 - (time.monotonic() - started)))
    assert not marker.exists()
