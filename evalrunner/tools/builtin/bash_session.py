"""`bash_session`: a bash shell whose working folder and variables persist across calls.

Each call runs in a fresh `bash` in the sample's sandbox (or on this machine without one)
that first restores the session's folder, variables, functions and aliases and saves them
again when the command ends, so `cd src` or `X=1` in one call holds in the next. Processes
started in the background do not outlive their call.
"""

from __future__ import annotations

import uuid
from typing import Any

from .._decorator import tool
from .._exec import run_command
from .._tool import ToolError
from ._output import command_output

# Variables bash sets itself: restoring them would break the new shell.
_SKIP = ("BASH|BASHOPTS|BASHPID|BASH_.*|COLUMNS|COMP_.*|DIRSTACK|EPOCHREALTIME|EPOCHSECONDS|"
         "EUID|FUNCNAME|GROUPS|HISTCMD|HOSTNAME|HOSTTYPE|IFS|LINENO|LINES|MACHTYPE|OLDPWD|"
         "OPTERR|OPTIND|OSTYPE|PIPESTATUS|PPID|PS4|PWD|RANDOM|SECONDS|SHELL|SHELLOPTS|SHLVL|"
         "SRANDOM|UID|_|__er_.*")
_SCRIPT = r"""
__er_dir=$1
mkdir -p "$__er_dir"
[ -f "$__er_dir/state" ] && . "$__er_dir/state" 2>/dev/null
[ -f "$__er_dir/cwd" ] && cd "$(cat "$__er_dir/cwd")" 2>/dev/null
__er_save() {
  __er_rc=$?
  pwd > "$__er_dir/cwd"
  {
    for __er_v in $(compgen -v); do
      [[ $__er_v =~ ^(SKIP)$ ]] && continue
      declare -p "$__er_v" 2>/dev/null | grep -v '^declare -[a-zA-Z]*r'
    done
    declare -f
    alias -p
  } > "$__er_dir/state.new" 2>/dev/null
  mv "$__er_dir/state.new" "$__er_dir/state"
  exit $__er_rc
}
trap __er_save EXIT
__er_cmd=$(cat)
eval "$__er_cmd"
""".replace("SKIP", _SKIP)


@tool
def bash_session(
    timeout: float = 180, max_output: int = 16384, pass_env: list[str] | None = None,
    sandbox: str | None = None,
) -> Any:
    """A tool that runs bash commands in one session (folder and variables persist)."""
    tool_id = uuid.uuid4().hex[:12]

    async def execute(command: str = "", restart: bool = False) -> str:
        """Run a command in a persistent bash session; `cd` and variables carry over.

        Args:
            command: The bash command to run.
            restart: Start a fresh session (forget the folder and variables) first.
        """
        session = _session_dir(tool_id)
        if restart:
            await run_command(["rm", "-rf", session], timeout=30, sandbox=sandbox)
            if not command.strip():
                return "The session was restarted."
        if not command.strip():
            raise ToolError("give a command to run")
        try:
            result = await run_command(["bash", "--noprofile", "--norc", "-c", _SCRIPT,
                                        "bash", session], input=command, timeout=timeout,
                                       output_limit=max_output, pass_env=pass_env or (),
                                       sandbox=sandbox)
        except TimeoutError:
            raise ToolError(f"the command timed out after {timeout:g} seconds") from None
        return command_output(result, max_output)

    return execute


def _session_dir(tool_id: str, kind: str = "bash-session") -> str:
    """One folder per tool and sample (samples without a sandbox share this machine)."""
    from ...solvers._store import current_state

    state = current_state()
    sample = f"{state.sample_id}-{state.epoch}" if state is not None else "none"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in sample)
    return f"/tmp/.evalrunner-{kind}-{tool_id}-{safe}"
