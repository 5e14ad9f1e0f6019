"""The protocol every sandbox implements: run commands, read and write files, log in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal, overload

from ..tools._subprocess import DEFAULT_OUTPUT_LIMIT, ExecResult

__all__ = ["ExecResult", "Sandbox", "SandboxConnection", "SandboxError"]


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

    @abstractmethod
    async def write_file(self, path: str, contents: str | bytes) -> None:
        """Create or replace a file (and its missing parent folders)."""

    @overload
    async def read_file(self, path: str, text: Literal[True] = True) -> str: ...
    @overload
    async def read_file(self, path: str, text: Literal[False]) -> bytes: ...

    async def read_file(self, path: str, text: bool = True) -> str | bytes:
        """A file's contents, as text (UTF-8) or bytes; FileNotFoundError if it is missing."""
        data = await self.read_bytes(path)
        return data.decode("utf-8", errors="replace") if text else data

    @abstractmethod
    async def read_bytes(self, path: str) -> bytes:
        """A file's contents; FileNotFoundError if it is missing."""

    @abstractmethod
    def connection(self, command: list[str] | None = None) -> SandboxConnection:
        """The command a person types to get a shell inside (or to run `command` there)."""
