"""The protocol every sandbox implements: run commands, read and write files, log in.

Every access to a sandbox's files goes through the sandbox: the default `read_bytes` and
`write_file` run a small shell script with `exec`, inside the sandbox's namespaces, so a
path is resolved as the model sees it there (its symlinks, its `/proc`), never on the
machine that runs evalrunner. A backend that overrides them must keep that rule (`local`
confines them to the sample's folder instead, refusing symlinks).
"""

from __future__ import annotations

import base64
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from ..tools._subprocess import DEFAULT_OUTPUT_LIMIT, ExecResult

__all__ = ["FILE_LIMIT", "ExecResult", "Sandbox", "SandboxConnection", "SandboxError"]

FILE_LIMIT = 64 * 1024 * 1024  # bytes read_file returns at most
FILE_TIMEOUT = 120.0  # seconds for one file read or write (a FIFO must not hang a scorer)
# Exit 66: no such file; 67: not a regular file (a folder, a FIFO, a device).
_READ = '[ -f "$1" ] || { [ -e "$1" ] && exit 67; exit 66; }; base64 < "$1"'
_WRITE = 'mkdir -p "$(dirname "$1")" && cat > "$1"'


class SandboxError(Exception):
    """A sandbox could not be created, used or removed (the message says how to fix it)."""


@dataclass(frozen=True)
class SandboxConnection:
    """How a person gets a shell in the sandbox: a command to paste into a terminal."""

    type: str
    command: str
    workdir: str | None = None


class Sandbox(ABC):
    """One sample's sandbox. Paths are inside the sandbox; relative ones are from its workdir."""

    name: str = "default"

    @abstractmethod
    async def exec(
        self,
        cmd: list[str],
        input: str | bytes | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        user: str | None = None,
        timeout: float | None = None,
        output_limit: int | None = DEFAULT_OUTPUT_LIMIT,
    ) -> ExecResult:
        """Run `cmd` (no shell) inside; raises TimeoutError after `timeout` seconds.

        Output beyond `output_limit` characters (each of stdout and stderr) is dropped and
        the result says so. `env` is added to the sandbox's own environment.
        """

    async def write_file(self, path: str, contents: str | bytes) -> None:
        """Create or replace a file (and its missing parent folders), from inside."""
        try:
            result = await self.exec(["sh", "-c", _WRITE, "sh", path], input=contents or b"",
                                     timeout=FILE_TIMEOUT)
        except TimeoutError:
            raise SandboxError(f"writing {path} took over {FILE_TIMEOUT:g} seconds") from None
        if not result.success:
            raise SandboxError(f"cannot write {path}: {result.stderr.strip()[-500:]}")

    @overload
    async def read_file(self, path: str, text: Literal[True] = True) -> str: ...
    @overload
    async def read_file(self, path: str, text: Literal[False]) -> bytes: ...

    async def read_file(self, path: str, text: bool = True) -> str | bytes:
        """A file's contents, as text (UTF-8) or bytes; FileNotFoundError if it is missing."""
        data = await self.read_bytes(path)
        return data.decode("utf-8", errors="replace") if text else data

    async def read_bytes(self, path: str) -> bytes:
        """A file's contents, read from inside; FileNotFoundError if it is missing."""
        try:
            result = await self.exec(["sh", "-c", _READ, "sh", path], timeout=FILE_TIMEOUT,
                                     output_limit=FILE_LIMIT * 4 // 3 + 4096)
        except TimeoutError:
            raise SandboxError(f"reading {path} took over {FILE_TIMEOUT:g} seconds") from None
        if result.returncode == 66:
            raise FileNotFoundError(f"no such file: {path}")
        if result.returncode == 67:
            raise SandboxError(f"cannot read {path}: not a regular file")
        if not result.success:
            raise SandboxError(f"cannot read {path}: {result.stderr.strip()[-500:]}")
        if result.truncated:
            raise SandboxError(f"cannot read {path}: larger than {FILE_LIMIT} bytes")
        return base64.b64decode(result.stdout)

    def socket_folder(self) -> Path | None:
        """A folder on this machine whose unix sockets the sandbox's processes can connect
        to, seen inside at `_channel.SOCKETS` (read-only); None where the backend has none."""
        return None

    @abstractmethod
    def connection(self, command: list[str] | None = None) -> SandboxConnection:
        """The command a person types to get a shell inside (or to run `command` there)."""

    def stdio_command(self, cmd: list[str], cwd: str | None = None,
                      env: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]] | None:
        """The command line, run on this machine, and its environment, that run `cmd`
        inside with its standard input and output connected to the caller's (a server
        that speaks over them, such as an MCP server); None when this sandbox cannot."""
        return None
