"""A task's sandboxes: one backend per spec, each sample's sandboxes made, set up and removed.

Removal always runs: after a failed sample, after a cancelled one (Ctrl-C), and, for
whatever a second Ctrl-C interrupted, once more when the interpreter exits.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import logging
import urllib.parse
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ._backend import SandboxBackend, backend_class
from ._context import sandbox_scope
from ._environment import Sandbox, SandboxError
from ._runs import record_run
from ._spec import SandboxSpec

__all__ = ["TaskSandboxes", "decode_file", "no_sandbox_message", "set_sandbox_options"]

DEFAULT_SETUP_TIMEOUT = 300.0
# The script from standard input into a temporary file, run by its `#!` line, else bash or sh.
_RUNNER = ('f=$(mktemp) && cat > "$f" && chmod +x "$f" || exit 125; '
           'if [ "$(head -c 2 "$f")" = "#!" ]; then "$f"; '
           'elif command -v bash >/dev/null 2>&1; then bash "$f"; else sh "$f"; fi; '
           'rc=$?; rm -f "$f"; exit $rc')

T = TypeVar("T")
logger = logging.getLogger(__name__)
# Sandboxes alive right now, for the exit-time cleanup: id -> (backend class, sandboxes).
_LIVE: dict[int, tuple[type[SandboxBackend], dict[str, Sandbox]]] = {}


def no_sandbox_message(what: str) -> str:
    return (f"this sample has {what} but no sandbox: add `sandbox: docker` (or bwrap, "
            "local) to the suite, task or sample")


class TaskSandboxes:
    """The sandboxes of one task run (`spec` is the task's; samples may name their own)."""

    def __init__(self, spec: SandboxSpec | None, base_dir: Path, run_id: str) -> None:
        self.spec = spec
        self.base_dir = base_dir
        self.run_id = run_id
        self._backends: dict[SandboxSpec, SandboxBackend] = {}
        self._lock = asyncio.Lock()
        self._count = 0
        self._recorded = False

    async def start(self) -> None:
        """Prepare the task's backend (so a missing image fails before any sample runs)."""
        if self.spec is not None:
            await self._backend(self.spec)

    async def _backend(self, spec: SandboxSpec) -> SandboxBackend:
        async with self._lock:
            if not self._recorded:  # for `sandbox cleanup`: whose sandboxes, still going?
                await asyncio.to_thread(record_run, self.run_id)
                self._recorded = True
            if spec not in self._backends:
                cls = backend_class(spec.type, self.base_dir)
                problems = cls.problems(spec, self.base_dir)
                if problems:
                    raise SandboxError("; ".join(problems))
                backend = cls(spec, self.base_dir)
                await backend.task_init()
                self._backends[spec] = backend
            return self._backends[spec]

    @asynccontextmanager
    async def sample(
        self, spec: SandboxSpec | None, files: dict[str, str] | None, setup: str | None,
    ) -> AsyncIterator[dict[str, Sandbox] | None]:
        """The sample's sandboxes (None without one), current in the block, then removed."""
        spec = spec or self.spec
        if spec is None:
            if files or setup:
                raise SandboxError(no_sandbox_message("files" if files else "a setup script"))
            yield None
            return
        backend = await self._backend(spec)
        async with _slot(), self._made(backend, spec, files, setup) as envs:
            yield envs

    @asynccontextmanager
    async def _made(self, backend: SandboxBackend, spec: SandboxSpec,
                    files: dict[str, str] | None, setup: str | None
                    ) -> AsyncIterator[dict[str, Sandbox]]:
        self._count += 1
        envs = await backend.sample_init(self.run_id, str(self._count))
        key = id(envs)
        _LIVE[key] = (type(backend), envs)
        try:
            default = envs.get("default") or next(iter(envs.values()))
            for path, value in (files or {}).items():
                await _sandbox_for(envs, path, default).write_file(
                    path.partition(":")[2] if _named(envs, path) else path, decode_file(value))
            if setup:
                await _run_setup(default, setup, spec.timeout or DEFAULT_SETUP_TIMEOUT)
            with sandbox_scope(envs):
                yield envs
        finally:
            if _options.cleanup:
                await finish(backend.sample_cleanup(envs))
            else:
                logger.warning("sandbox kept (--no-sandbox-cleanup): %s; remove it with "
                               "`evalrunner sandbox cleanup --run-id %s`",
                               ", ".join(_describe(e) for e in envs.values()), self.run_id)
            _LIVE.pop(key, None)

    async def close(self) -> None:
        """Remove what the task's backends prepared (all of it, even when cancelled)."""
        cancelled = False
        for backend in self._backends.values():
            try:
                await finish(backend.task_cleanup())
            except asyncio.CancelledError:
                cancelled = True
            except Exception as ex:  # one failed removal must not hide the others
                logger.warning("sandbox cleanup failed: %s", ex)
        if cancelled:
            raise asyncio.CancelledError


@dataclass
class _Options:
    max_sandboxes: int | None = None
    cleanup: bool = True


_options = _Options()


def set_sandbox_options(max_sandboxes: int | None = None, cleanup: bool = True) -> None:
    """For this process: at most `max_sandboxes` samples' sandboxes at once (across tasks;
    None: no limit beyond max samples), and whether a sample's sandboxes are removed at its
    end (`cleanup=False` keeps them to look into; `sandbox cleanup` removes them later)."""
    if max_sandboxes is not None and max_sandboxes < 1:
        raise ValueError("max_sandboxes must be at least 1")
    _options.max_sandboxes, _options.cleanup = max_sandboxes, cleanup


def _slot() -> contextlib.AbstractAsyncContextManager[None]:
    from ..tools._subprocess import concurrency

    if _options.max_sandboxes is None:
        return contextlib.nullcontext()
    return concurrency("evalrunner:sandboxes", _options.max_sandboxes)


def _describe(env: Sandbox) -> str:
    """What a kept sandbox is, to find it: a container's name, a sample's folder."""
    for attribute in ("container", "folder"):
        value = getattr(env, attribute, None)
        if value:
            return f"{type(env).__name__.removesuffix('Sandbox').lower()} {value}"
    return type(env).__name__


def _named(envs: dict[str, Sandbox], path: str) -> bool:
    """`service:path` names the sandbox a file goes to when a sample has several."""
    name, sep, _ = path.partition(":")
    return bool(sep) and name in envs


def _sandbox_for(envs: dict[str, Sandbox], path: str, default: Sandbox) -> Sandbox:
    return envs[path.partition(":")[0]] if _named(envs, path) else default


def decode_file(value: str) -> str | bytes:
    """A `files` value: a data: URL (base64 or percent-encoded) is decoded, text is kept."""
    if not value.startswith("data:"):
        return value
    header, sep, data = value[5:].partition(",")
    if not sep:
        raise SandboxError(f"a data: URL without ',': {value[:40]}...")
    if header.endswith(";base64"):
        return base64.b64decode(data)
    return urllib.parse.unquote_to_bytes(data)


async def _run_setup(env: Sandbox, script: str, timeout: float) -> None:
    # Sent on standard input and saved to a fresh file inside: no fixed path that two
    # samples sharing a machine (`local`) could both write.
    try:
        result = await env.exec(["sh", "-c", _RUNNER], input=script, timeout=timeout)
    except TimeoutError:
        raise SandboxError(f"the sample's setup script ran over {timeout:g} seconds") from None
    if not result.success:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise SandboxError(f"the sample's setup script failed (exit {result.returncode}): "
                           f"{detail}")


async def finish(work: Awaitable[T]) -> T:
    """Await `work` to the end even if this task is cancelled meanwhile (then re-raise)."""
    future: asyncio.Future[Any] = asyncio.ensure_future(work)
    cancelled = False
    while not future.done():
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    result: T = future.result()
    return result


@atexit.register
def _cleanup_at_exit() -> None:
    for cls, envs in list(_LIVE.values()):
        # Nothing to report to at exit; `sandbox cleanup` is the fallback.
        with contextlib.suppress(Exception):
            cls.emergency_cleanup(envs)
    _LIVE.clear()
