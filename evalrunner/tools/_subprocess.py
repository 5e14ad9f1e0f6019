"""Async subprocesses with a global limit, and named concurrency limits for custom code.

Tools that start processes must not block the event loop nor start more processes than the
machine can run: `subprocess()` runs a command without a shell, waits asynchronously, kills
the whole process group at its timeout, caps the output it keeps, and holds one of
`max_subprocesses` slots while it runs (default: the CPU count; set with
`EVALRUNNER_MAX_SUBPROCESSES` or `set_max_subprocesses`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ExecResult", "concurrency", "max_subprocesses", "set_max_subprocesses", "subprocess"]

DEFAULT_OUTPUT_LIMIT = 1024 * 1024  # characters of stdout (and of stderr) kept

_max_override: int | None = None
# One set of semaphores per event loop: a semaphore is bound to the loop that first awaits it.
_SEMAPHORES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


@dataclass
class ExecResult:
    """What a finished command did."""

    success: bool
    returncode: int
    stdout: str
    stderr: str
    truncated: bool = False


def max_subprocesses() -> int:
    """How many subprocesses may run at once."""
    if _max_override is not None:
        return _max_override
    value = os.environ.get("EVALRUNNER_MAX_SUBPROCESSES")
    if value and value.strip().isdigit() and int(value) > 0:
        return int(value)
    return os.cpu_count() or 1


def set_max_subprocesses(n: int | None) -> None:
    """Change the limit (None: back to the environment or CPU count); takes effect for new loops."""
    global _max_override
    if n is not None and n < 1:
        raise ValueError("max_subprocesses must be at least 1")
    _max_override = n


def _semaphore(name: str, n: int) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    per_loop = _SEMAPHORES.setdefault(loop, {})
    if name not in per_loop:
        per_loop[name] = asyncio.Semaphore(n)  # the first caller of a name sets its limit
    return per_loop[name]


@contextlib.asynccontextmanager
async def concurrency(name: str, n: int) -> AsyncIterator[None]:
    """Hold one of `n` slots named `name` for the block (shared by everyone using the name).

        async with concurrency("search-api", 4):
            response = await client.get(url)
    """
    if n < 1:
        raise ValueError("a concurrency limit must be at least 1")
    async with _semaphore(name, n):
        yield


async def subprocess(
    args: Sequence[str],
    input: str | bytes | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    output_limit: int | None = DEFAULT_OUTPUT_LIMIT,
    inherit_env: bool = True,
    shown: Sequence[str] | None = None,
) -> ExecResult:
    """Run `args` (no shell) and collect its output; raises TimeoutError after `timeout` s.

    `shown` is the command the sample's sandbox event records when `args` wraps it (a
    sandbox's bubblewrap and cgroup line around the command a tool asked for).

    `env` is added to the current environment, or with `inherit_env=False` is the whole
    environment (tools pass `tool_environment()`, which holds no secret). Output beyond
    `output_limit` characters is dropped (the process still runs to completion) and the
    result says it was truncated.
    """
    if not args:
        raise ValueError("no command to run")
    started = time.monotonic()
    async with concurrency("subprocesses", max_subprocesses()):
        process = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.PIPE if input is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
            env=dict(env or {}) if not inherit_env else {**os.environ, **env} if env else None,
            start_new_session=True,  # its own process group, so a timeout kills its children
        )
        data = input.encode() if isinstance(input, str) else input
        try:
            async with asyncio.timeout(timeout):
                stdout, stderr, truncated = await _communicate(process, data, output_limit)
        except BaseException:  # a timeout or a cancelled sample: leave nothing running
            await _kill(process)
            raise
    code = process.returncode if process.returncode is not None else -1
    _record(shown or args, code, stdout, stderr, started)
    return ExecResult(code == 0, code, stdout, stderr, truncated)


def _record(args: Sequence[str], code: int, stdout: str, stderr: str, started: float) -> None:
    """A sandbox event for the sample that ran the command (none outside a sample)."""
    from ..events._model import SandboxEvent
    from ..events._transcript import preview, record

    record(SandboxEvent(cmd=[str(a) for a in args], returncode=code,
                        output=preview(stdout + stderr, 200),
                        time=round(time.monotonic() - started, 6)))


async def _communicate(
    process: asyncio.subprocess.Process, data: bytes | None, limit: int | None
) -> tuple[str, str, bool]:
    async def feed() -> None:
        if process.stdin is None:
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if data:
                process.stdin.write(data)
                await process.stdin.drain()
            process.stdin.close()

    assert process.stdout is not None and process.stderr is not None
    _, (out, out_cut), (err, err_cut) = await asyncio.gather(
        feed(), _read(process.stdout, limit), _read(process.stderr, limit)
    )
    await process.wait()
    return out, err, out_cut or err_cut


async def _read(stream: asyncio.StreamReader, limit: int | None) -> tuple[str, bool]:
    """Read to the end, keeping at most `limit` characters (bytes, decoded leniently)."""
    kept = bytearray()
    truncated = False
    while chunk := await stream.read(65536):
        if limit is None or len(kept) < limit:
            room = len(chunk) if limit is None else limit - len(kept)
            kept.extend(chunk[:room])
            truncated = truncated or room < len(chunk)
        else:
            truncated = True
    return kept.decode("utf-8", errors="replace"), truncated


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    with contextlib.suppress(Exception):
        await asyncio.shield(process.wait())
