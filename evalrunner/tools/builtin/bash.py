"""`bash`: run a bash command in the sample's sandbox (or on this machine without one)."""

from __future__ import annotations

import uuid
from typing import Any

from .._decorator import tool
from .._exec import run_command
from .._tool import ToolError
from ._background import background_tasks
from ._output import command_output
from .bash_session import _session_dir


@tool
def bash(
    timeout: float = 180, max_output: int = 16384, cwd: str | None = None,
    pass_env: list[str] | None = None, sandbox: str | None = None, background: bool = False,
) -> Any:
    """A tool that runs `bash -c CMD` and returns what it printed.

    `timeout` seconds per command (the command and its children are killed then),
    `max_output` characters kept of stdout and of stderr, `cwd` the working folder. It runs
    in the sample's sandbox (`sandbox` names one when a sample has several); a sample
    without one runs it with the permissions of evalrunner: give that only to trusted tasks.
    Its environment has no secret: only the basics (`tool_environment`; in a sandbox, the
    sandbox's own) and the variables `pass_env` names. `background`: the model may also
    start commands that run on (servers, long builds), read their output and kill them;
    they die with the sample.
    """

    async def run(cmd: str) -> str:
        try:
            result = await run_command(["bash", "--noprofile", "--norc", "-c", cmd], cwd=cwd,
                                       timeout=timeout, output_limit=max_output,
                                       pass_env=pass_env or (), sandbox=sandbox)
        except TimeoutError:
            raise ToolError(f"the command timed out after {timeout:g} seconds") from None
        return command_output(result, max_output)

    async def execute(cmd: str) -> str:
        """Run a bash command and return its output (stdout, then stderr).

        Args:
            cmd: The bash command to run.
        """
        return await run(cmd)

    if not background:
        return execute
    tool_id = uuid.uuid4().hex[:12]

    async def with_background(cmd: str | None = None, background: bool = False,
                              task: int | None = None, kill: bool = False) -> str:
        """Run a bash command and return its output, or run it in the background.

        A command that runs long (a server, a build) can run in the background: start it
        with background=true, then read its new output with task=N (no cmd) while doing
        other things, and stop it with task=N and kill=true. Background tasks end when the
        work ends.

        Args:
            cmd: The bash command to run.
            background: Start cmd in the background and return its task number at once.
            task: A background task's number: show its status and new output.
            kill: With task: stop that background task.
        """
        if task is not None:
            tasks = await background_tasks(tool_id, _session_dir(tool_id, "bash-background"),
                                           sandbox)
            return await (tasks.kill(task) if kill else tasks.poll(task, max_output))
        if not cmd:
            raise ToolError("give a command (cmd), or a background task's number (task)")
        if background:
            tasks = await background_tasks(tool_id, _session_dir(tool_id, "bash-background"),
                                           sandbox)
            return await tasks.start(cmd)
        return await run(cmd)

    return with_background
