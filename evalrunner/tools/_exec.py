"""Where a command tool runs: in the current sample's sandbox when it has one, else here."""

from __future__ import annotations

import errno
import fnmatch
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from ._environment import tool_environment
from ._host_process import NO_BWRAP, host_command, warn_unsandboxed
from ._subprocess import ExecResult, subprocess

__all__ = ["on_host", "run_command"]


async def run_command(
    args: list[str],
    input: str | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    output_limit: int | None = None,
    pass_env: Iterable[str] = (),
    sandbox: str | None = None,
) -> ExecResult:
    """Run `args` in the sample's sandbox (`sandbox` names one of several) or on this machine.

    Here the process gets `tool_environment` (no secret), the variables `pass_env` names
    and `env`, and runs in a PID namespace of its own (`host_command`: it cannot read
    evalrunner's environment through /proc); in a sandbox, the sandbox's own environment
    plus those. In a sandbox `cwd` is a path inside it (relative to its working folder).
    Raises TimeoutError, and OSError when the program cannot be started here.
    """
    from ..sandbox import current_sandboxes
    from ..sandbox import sandbox as sandbox_of
    from ._tool import ToolError

    if current_sandboxes() is None:
        if sandbox is not None:
            raise ToolError(f"no sandbox '{sandbox}': this sample runs without one")
        warn_unsandboxed(os.path.basename(args[0]))
        variables = tool_environment(pass_env, env)
        return await subprocess(on_host(args, cwd, variables, ToolError), input=input, cwd=cwd,
                                env=variables, inherit_env=False, timeout=timeout,
                                output_limit=output_limit)
    patterns = list(pass_env)
    passed = {name: value for name, value in os.environ.items()
              if any(fnmatch.fnmatchcase(name, p) for p in patterns)}
    return await sandbox_of(sandbox).exec(
        args, input=input, cwd=str(cwd) if cwd is not None else None,
        env={**passed, **(env or {})} or None, timeout=timeout, output_limit=output_limit)


def on_host(args: list[str], cwd: str | Path | None, env: Mapping[str, str],
            error: type[Exception]) -> list[str]:
    """`args` as run on this machine in a PID namespace of its own (see `host_command`).

    A program that cannot be found is a FileNotFoundError, as if it were started directly;
    no bubblewrap is `error` (nothing runs unhidden).
    """
    program = args[0]
    if "/" in program:
        found = os.access(os.path.join(cwd or os.getcwd(), program), os.X_OK)
    else:
        found = shutil.which(program, path=env.get("PATH", os.defpath)) is not None
    if not found:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", program)
    wrapped = host_command(args, cwd)
    if wrapped is None:
        raise error(NO_BWRAP)
    return wrapped
