"""`bash`: run a bash command on this machine (no sandbox), with a timeout and output cap."""

from __future__ import annotations

from typing import Any

from .._decorator import tool
from .._environment import tool_environment
from .._subprocess import subprocess
from .._tool import ToolError
from ._output import command_output


@tool
def bash(
    timeout: float = 180, max_output: int = 16384, cwd: str | None = None,
    pass_env: list[str] | None = None,
) -> Any:
    """A tool that runs `bash -c CMD` and returns what it printed.

    `timeout` seconds per command (the command and its children are killed then),
    `max_output` characters kept of stdout and of stderr, `cwd` the working folder. It runs
    with the permissions of evalrunner: give it only to models and tasks you trust. Its
    environment has no secret: only the basics (`tool_environment`) and the variables
    `pass_env` names.
    """
    env = tool_environment(pass_env or ())

    async def execute(cmd: str) -> str:
        """Run a bash command and return its output (stdout, then stderr).

        Args:
            cmd: The bash command to run.
        """
        try:
            result = await subprocess(["bash", "--noprofile", "--norc", "-c", cmd], cwd=cwd,
                                      env=env, inherit_env=False, timeout=timeout,
                                      output_limit=max_output)
        except TimeoutError:
            raise ToolError(f"the command timed out after {timeout:g} seconds") from None
        return command_output(result, max_output)

    return execute
