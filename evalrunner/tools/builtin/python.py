"""`python`: run a Python program in the sample's sandbox (or here without one)."""

from __future__ import annotations

from typing import Any

from .._decorator import tool
from .._exec import run_command
from .._tool import ToolError
from ._output import command_output


@tool
def python(
    timeout: float = 180, max_output: int = 16384, interpreter: str = "python3",
    cwd: str | None = None, pass_env: list[str] | None = None, sandbox: str | None = None,
) -> Any:
    """A tool that runs Python code (read from standard input by `interpreter`).

    `timeout` seconds per run, `max_output` characters kept of stdout and of stderr. It
    runs in the sample's sandbox (`sandbox` names one of several); a sample without one
    runs it with the permissions of evalrunner: give that only to trusted tasks. Its
    environment has no secret: only the basics (`tool_environment`; in a sandbox, the
    sandbox's own) and the variables `pass_env` names.
    """

    async def execute(code: str) -> str:
        """Run a Python program and return its output. Use print() to see values.

        Args:
            code: The Python code to run.
        """
        try:
            result = await run_command([interpreter, "-"], input=code, cwd=cwd, timeout=timeout,
                                       output_limit=max_output, pass_env=pass_env or (),
                                       sandbox=sandbox)
        except TimeoutError:
            raise ToolError(f"the program timed out after {timeout:g} seconds") from None
        except OSError as ex:
            raise ToolError(f"cannot run {interpreter}: {ex.strerror or ex}") from None
        return command_output(result, max_output)

    return execute
