"""A disk bound for a bwrap sample: its folder is a tmpfs of the given size.

The sample's `/root` and `/tmp` live in that folder, so together they hold at most `disk`
bytes; a write past it fails inside with "No space left on device", and nothing reaches
the host's disk. tmpfs pages count as memory, so a `memory` limit covers them too. Mounting
needs CAP_SYS_ADMIN (evalrunner as root); without it the bound becomes a limit on the size
of each file (`prlimit --fsize`), or, when the suite asked for `disk` itself, a refusal.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["DEFAULT_DISK", "MOUNT", "mount_bound", "unmount"]

DEFAULT_DISK = "1g"
MOUNT = "mount"  # the program that mounts (tests point it at one that fails)


def mount_bound(folder: Path, size: int) -> str | None:
    """Mount a tmpfs of `size` bytes on `folder`: None when done, else why it failed."""
    try:
        done = subprocess.run([MOUNT, "-t", "tmpfs", "-o", f"size={size},mode=0700",
                               "evalrunner-sandbox", str(folder)],
                              capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as ex:
        return str(ex)
    return None if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


def unmount(folder: Path) -> None:
    """Detach the tmpfs on `folder` (its files go with it) when there is one."""
    if os.path.ismount(folder):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30,
                       check=False)
