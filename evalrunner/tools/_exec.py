"""Where a command tool runs: in the current sample's sandbox when it has one, else here."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ._environment import tool_environment
from ._subprocess import ExecResult, subprocess

__all__ = ["run_command"]


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
    and `env`; in a sandbox, the sandbox's own environment plus those. In a sandbox `cwd`
    is a path inside it (relative to its working folder). Raises TimeoutError, and OSError
    when the program cannot be started here.
    """
    from ..sandbox import current_sandboxes
    from ..sandbox import sandbox as sandbox_of

    if current_sandboxes() is None:
        if sandbox is not None:
            from ._tool import ToolError

            raise ToolError(f"no sandbox '{sandbox}': this sample runs without one")
        return await subprocess(args, input=input, cwd=cwd,
                                env=tool_environment(pass_env, env), inherit_env=False,
                                timeout=timeout, output_limit=output_limit)
    patterns = list(pass_env)
    passed = {name: value for name, value in os.environ.items()
              if any(fnmatch.fnmatchcase(name, p) for p in patterns)}
    return await sandbox_of(sandbox).exec(
        args, input=input, cwd=str(cwd) if cwd is not None else None,
        env={**passed, **(env or {})} or None, timeout=timeout, output_limit=output_limit)
