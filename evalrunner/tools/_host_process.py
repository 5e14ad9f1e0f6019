"""Commands run on this machine (tools without a sandbox, `local` sandboxes) get their own /proc.

`/proc/<pid>/environ` shows the environment block a process was started with, and
evalrunner's holds provider keys: removing a key from `os.environ` does not hide it. So a
command run here starts in a PID namespace of its own with a fresh `/proc` (bubblewrap,
with everything else of the machine shared: files, network, user), where evalrunner and
its other children do not exist. Run as root, the command also loses CAP_SYS_ADMIN, so it
cannot unmount that `/proc` to uncover the machine's. Killing the command ends its
namespace: nothing it started outlives the call, even in a session of its own.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

__all__ = ["NO_BWRAP", "host_command", "warn_unsandboxed"]

logger = logging.getLogger(__name__)
NO_BWRAP = ("commands run on this machine (a tool without a sandbox, or `sandbox: local`) need "
            "bubblewrap, which hides evalrunner's environment from them: apt-get install "
            "bubblewrap, or give the task a docker or bwrap sandbox")
UNSANDBOXED = ("{tool} runs without a sandbox: commands run on this machine with evalrunner's "
               "permissions (give the task `sandbox: docker` or bwrap for untrusted code)")
_warned: set[str] = set()


def host_command(args: Sequence[str], cwd: str | Path | None = None) -> list[str] | None:
    """`args` wrapped to run in a PID namespace with its own /proc; None without bubblewrap."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None
    caps = ["--cap-drop", "CAP_SYS_ADMIN"] if os.geteuid() == 0 else []
    folder = os.path.abspath(cwd if cwd is not None else os.getcwd())
    return [bwrap, "--dev-bind", "/", "/", "--proc", "/proc", "--unshare-pid",
            "--die-with-parent", "--new-session", *caps, "--chdir", folder, "--", *args]


def warn_unsandboxed(tool: str) -> None:
    """Say once per process that a command tool runs on this machine (as `local` does)."""
    if tool not in _warned:
        _warned.add(tool)
        logger.warning(UNSANDBOXED.format(tool=tool))
