"""`python`: run a Python program on this machine (no sandbox) and return what it printed."""

from __future__ import annotations

from typing import Any

from .._decorator import tool
from .._environment import tool_environment
from .._subprocess import subprocess
from .._tool import ToolError
from ._output import command_output


@tool
def python(
    timeout: float = 180, max_output: int = 16384, interpreter: str = "python3",
    cwd: str | None = None, pass_env: list[str] | None = None,
) -> Any:
    """A tool that runs Python code (read from standard input by `interpreter`).

    `timeout` seconds per run, `max_output` characters kept of stdout and of stderr. It
    runs with the permissions of evalrunner: give it only to models and tasks you trust.
    Its environment has no secret: only the basics (`tool_environment`) and the variables
    `pass_env` names.
    """
    env = tool_environment(pass_env or ())

    async def execute(code: str) -> str:
        """Run a Python program and return its output. Use print() to see values.

        Args:
            code: The Python code to run.
        """
        try:
            result = await subprocess([interpreter, "-"], input=code, cwd=cwd, env=env,
                                      inherit_env=False, timeout=timeout,
                                      output_limit=max_output)
        except TimeoutError:
            raise ToolError(f"the program timed out after {timeout:g} seconds") from None
        except OSError as ex:
            raise ToolError(f"cannot run {interpreter}: {ex.strerror or ex}") from None
        return command_output(result, max_output)

    return execute
