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
from typing import Any

from .._util.context import ContextField, sample_field

__all__ = ["ExecResult", "concurrency", "max_subprocesses", "set_max_subprocesses", "subprocess"]

DEFAULT_OUTPUT_LIMIT = 1024 * 1024  # characters of stdout (and of stderr) kept
PIPE_GRACE = 0.5  # seconds to drain output after a command exits while a child holds it

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


# Set in a task that runs a process for the rest of the sample (bash's background tasks):
# it must not hold one of the max_subprocesses slots that other commands wait for.
_long_lived: ContextField[bool] = sample_field("long_lived")


def long_lived() -> None:
    """Processes started from now on in this task (and the tasks it starts) take no slot."""
    _long_lived.set(True)


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
    result says it was truncated. The command runs in a session of its own: when it ends,
    times out or is cancelled, whatever it started in that session is killed and its pipes
    are closed, so a child that holds its output open cannot hold the caller.
    """
    if not args:
        raise ValueError("no command to run")
    started = time.monotonic()
    out, err = _Sink(output_limit), _Sink(output_limit)
    slot = (contextlib.nullcontext() if _long_lived.get()
            else concurrency("subprocesses", max_subprocesses()))
    async with slot:
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
                await _communicate(process, data, out, err)
        finally:  # finished, timed out or cancelled: leave nothing of the call running
            await _end(process)
    code = process.returncode if process.returncode is not None else -1
    stdout, stderr = out.text(), err.text()
    _record(shown or args, code, stdout, stderr, started)
    return ExecResult(code == 0, code, stdout, stderr, out.truncated or err.truncated)


def _record(args: Sequence[str], code: int, stdout: str, stderr: str, started: float) -> None:
    """A sandbox event for the sample that ran the command (none outside a sample)."""
    from ..events._model import SandboxEvent
    from ..events._transcript import preview, record

    record(SandboxEvent(cmd=[str(a) for a in args], returncode=code,
                        output=preview(stdout + stderr, 200),
                        time=round(time.monotonic() - started, 6)))


class _Sink:
    """The first `limit` bytes of a stream (all of them with None), and whether more came."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.truncated = False

    async def read(self, stream: asyncio.StreamReader | None) -> None:
        while stream is not None and (chunk := await stream.read(65536)):
            room = len(chunk) if self.limit is None else max(self.limit - len(self.kept), 0)
            self.kept.extend(chunk[:room])
            self.truncated = self.truncated or room < len(chunk)

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")


async def _communicate(
    process: asyncio.subprocess.Process, data: bytes | None, out: _Sink, err: _Sink
) -> None:
    """Feed the input and read both outputs until the command has exited and they close.

    A command that exits while something it started still holds its output open is over:
    the reads get PIPE_GRACE seconds to drain what was written, then stop.
    """
    async def feed() -> None:
        if process.stdin is None:
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if data:
                process.stdin.write(data)
                await process.stdin.drain()
            process.stdin.close()

    reading: asyncio.Future[Any] = asyncio.ensure_future(
        asyncio.gather(feed(), out.read(process.stdout), err.read(process.stderr)))
    exited: asyncio.Future[None] = asyncio.ensure_future(_exit_of(process))
    both: list[asyncio.Future[Any]] = [reading, exited]
    try:
        await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
        if not reading.done():
            await asyncio.wait([reading], timeout=PIPE_GRACE)
        await exited
    finally:
        for future in both:
            future.cancel()
        # Retrieve outcomes so that nothing is reported as "never retrieved".
        await asyncio.wait(both, timeout=1)
        for future in both:
            if future.done() and not future.cancelled():
                future.exception()


async def _exit_of(process: asyncio.subprocess.Process) -> None:
    """Return when the process has exited, whoever still holds its pipes.

    (`Process.wait()` waits for the pipes to close as well, which a detached child can
    delay forever.)
    """
    try:
        pidfd = os.pidfd_open(process.pid)
    except OSError:  # already reaped, or a kernel without pidfds: poll
        while process.returncode is None:
            await asyncio.sleep(0.05)
        return
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not exited.done():
            exited.set_result(None)

    loop.add_reader(pidfd, readable)
    try:
        await exited
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


async def _end(process: asyncio.subprocess.Process) -> None:
    """Kill the command's process group (even when its leader has exited) and close its pipes."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    # `wait()` returns once the exit code is in and the pipes are closed: at once as a rule,
    # or as soon as the killed group lets go of them.
    waiting = asyncio.ensure_future(process.wait())
    try:
        done, _ = await asyncio.wait([waiting], timeout=PIPE_GRACE)
        if not done:  # a child out of the group holds them: wait for the exit code alone
            for _ in range(200):
                if process.returncode is not None:
                    break
                await asyncio.sleep(0.01)
    finally:
        # Our ends of the pipes (closing the transport of a process not yet reaped would
        # reap it here and lose its exit code, hence the wait above). Closed now, not by the
        # garbage collector after the event loop is gone ("Event loop is closed").
        transport = getattr(process, "_transport", None)
        if transport is not None:
            transport.close()
        if not waiting.done():
            await asyncio.wait([waiting], timeout=5)
            waiting.cancel()
