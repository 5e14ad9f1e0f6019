"""`local`: a temporary folder per sample on this machine, with no isolation at all.

Commands run as evalrunner's own user, see the whole filesystem and the network. Use it
for trusted tasks, or to develop a suite before moving it to `docker` or `bwrap`. Two
things are kept from them even so: evalrunner's environment (commands get a clean one and
run in a PID namespace with their own `/proc`, see `tools._host_process`), and, through
`read_file`/`write_file` (the text editor, scorers, dataset `files`), anything outside the
sample's folder: those refuse paths outside it and symbolic links.
"""

from __future__ import annotations

import logging
import shlex
import shutil
from pathlib import Path
from typing import ClassVar

from ...tools._environment import tool_environment
from ...tools._exec import on_host
from ...tools._subprocess import DEFAULT_OUTPUT_LIMIT, ExecResult, subprocess
from .._backend import Leftover, SandboxBackend, sandbox_backend
from .._environment import FILE_LIMIT, Sandbox, SandboxConnection, SandboxError
from .._host import leftovers, make_workdir, read_confined, remove_tree, write_confined

logger = logging.getLogger(__name__)
WARNING = ("sandbox local gives no isolation: commands run on this machine with evalrunner's "
           "permissions (use docker or bwrap for untrusted code)")


class LocalSandbox(Sandbox):
    """A folder on this machine; relative paths and commands start there."""

    def __init__(self, root: Path, name: str = "default") -> None:
        self.root = root
        self.name = name

    def _path(self, path: str) -> Path:
        return self.root / path  # an absolute path stays absolute (for commands' cwd)

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
        if user is not None:
            raise SandboxError("the local sandbox cannot run commands as another user")
        folder = self._path(cwd or ".")
        # No secret of evalrunner's environment: the basics, and what the caller sets.
        variables = tool_environment(set_env=env)
        try:
            return await subprocess(on_host(cmd, folder, variables, SandboxError), input=input,
                                    cwd=folder, env=variables, inherit_env=False,
                                    timeout=timeout, output_limit=output_limit)
        except FileNotFoundError as ex:
            return ExecResult(False, 127, "", f"{cmd[0]}: {ex.strerror or 'not found'}")

    async def write_file(self, path: str, contents: str | bytes) -> None:
        await write_confined(self.root, path, contents)

    async def read_bytes(self, path: str) -> bytes:
        return await read_confined(self.root, path, FILE_LIMIT)

    def connection(self, command: list[str] | None = None) -> SandboxConnection:
        inside = shlex.join(command) if command else "bash -l"
        return SandboxConnection("local", f"cd {shlex.quote(str(self.root))} && {inside}",
                                 str(self.root))


@sandbox_backend("local")
class LocalBackend(SandboxBackend):
    """A temporary folder per sample, removed at the end of the sample."""

    keys: ClassVar[frozenset[str]] = frozenset({"timeout"})

    async def task_init(self) -> None:
        logger.warning(WARNING)

    async def sample_init(self, run_id: str, label: str) -> dict[str, Sandbox]:
        return {"default": LocalSandbox(make_workdir("local", run_id, label))}

    async def sample_cleanup(self, envs: dict[str, Sandbox]) -> None:
        for env in envs.values():
            assert isinstance(env, LocalSandbox)
            await remove_tree(env.root)

    @classmethod
    def emergency_cleanup(cls, envs: dict[str, Sandbox]) -> None:
        for env in envs.values():
            if isinstance(env, LocalSandbox):
                shutil.rmtree(env.root, ignore_errors=True)

    @classmethod
    async def leftovers(cls, run_id: str | None = None) -> list[Leftover]:
        return leftovers("local", run_id)
