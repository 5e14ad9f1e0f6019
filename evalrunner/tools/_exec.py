"""Where a command tool runs: in the current sample's sandbox when it has one, else here."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ._subprocess import ExecResult, subprocess

__all__ = ["run_command"]


async def run_command(
    args: list[str],
    input: str | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    output_limit: int | None = None,
    sandbox: str | None = None,
) -> ExecResult:
    """Run `args` in the sample's sandbox (`sandbox` names one of several) or on this machine.

    In a sandbox `cwd` is a path inside it (relative to its working folder). Raises
    TimeoutError, and OSError when the program cannot be started here.
    """
    from ..sandbox import current_sandboxes
    from ..sandbox import sandbox as sandbox_of

    if current_sandboxes() is None:
        if sandbox is not None:
            from ._tool import ToolError

            raise ToolError(f"no sandbox '{sandbox}': this sample runs without one")
        return await subprocess(args, input=input, cwd=cwd, env=env, timeout=timeout,
                                output_limit=output_limit)
    return await sandbox_of(sandbox).exec(
        args, input=input, cwd=str(cwd) if cwd is not None else None,
        env=dict(env) if env else None, timeout=timeout, output_limit=output_limit)
