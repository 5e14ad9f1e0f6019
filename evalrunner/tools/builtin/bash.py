"""`bash`: run a bash command in the sample's sandbox (or on this machine without one)."""

from __future__ import annotations

from typing import Any

from .._decorator import tool
from .._exec import run_command
from .._tool import ToolError
from ._output import command_output


@tool
def bash(
    timeout: float = 180, max_output: int = 16384, cwd: str | None = None,
    pass_env: list[str] | None = None, sandbox: str | None = None,
) -> Any:
    """A tool that runs `bash -c CMD` and returns what it printed.

    `timeout` seconds per command (the command and its children are killed then),
    `max_output` characters kept of stdout and of stderr, `cwd` the working folder. It runs
    in the sample's sandbox (`sandbox` names one when a sample has several); a sample
    without one runs it with the permissions of evalrunner: give that only to trusted tasks.
    Its environment has no secret: only the basics (`tool_environment`; in a sandbox, the
    sandbox's own) and the variables `pass_env` names.
    """

    async def execute(cmd: str) -> str:
        """Run a bash command and return its output (stdout, then stderr).

        Args:
            cmd: The bash command to run.
        """
        try:
            result = await run_command(["bash", "--noprofile", "--norc", "-c", cmd], cwd=cwd,
                                       timeout=timeout, output_limit=max_output,
                                       pass_env=pass_env or (), sandbox=sandbox)
        except TimeoutError:
            raise ToolError(f"the command timed out after {timeout:g} seconds") from None
        return command_output(result, max_output)

    return execute
