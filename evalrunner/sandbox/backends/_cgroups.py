"""cgroup v1 folders for bwrap's limits, nested under evalrunner's own cgroup.

Nested, so that a limit set on evalrunner (a CI job's, a container's) still holds for the
sandboxes it starts. A limit that cannot be set is a SandboxError: a suite that asks for
`pids: 40` never runs with no such bound.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from .._environment import SandboxError
from .._host import parse_bytes
from .._spec import SandboxSpec

__all__ = ["CGROUP_PREFIX", "CGROUP_ROOT", "kill_and_remove", "make_cgroups", "own_cgroup"]

CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PREFIX = "evalrunner-"


def own_cgroup(controller: str, root: Path | None = None) -> Path:
    """The folder of this process's cgroup for a v1 controller (its mount when not found)."""
    mount = (root or CGROUP_ROOT) / controller
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(","):
                inside = mount / path.lstrip("/")
                # With a cgroup namespace the path may not exist under this mount.
                return inside if inside.is_dir() else mount
    return mount


def make_cgroups(spec: SandboxSpec, name: str, root: Path | None = None) -> list[Path]:
    """cgroup folders holding the spec's memory, pids and CPU limits, under evalrunner's own.

    Memory without a cgroup falls back to an address-space limit (`prlimit`, by the
    caller); pids and CPU have no such fallback, so they are refused.
    """
    wanted: dict[str, dict[str, str]] = {}
    if spec.memory:
        size = str(parse_bytes(spec.memory))
        wanted["memory"] = {"memory.limit_in_bytes": size, "memory.swappiness": "0"}
    if spec.pids:
        wanted["pids"] = {"pids.max": str(spec.pids)}
    if spec.cpus:
        wanted["cpu"] = {"cpu.cfs_period_us": "100000",
                         "cpu.cfs_quota_us": str(int(spec.cpus * 100000))}
    made: list[Path] = []
    for controller, settings in wanted.items():
        group = own_cgroup(controller, root) / name
        try:
            group.mkdir()
            for key, value in settings.items():
                if (group / key).exists():
                    (group / key).write_text(value)
            made.append(group)
        except OSError as ex:
            if group.exists():
                kill_and_remove(group)
            if controller != "memory":
                for done in made:
                    kill_and_remove(done)
                key = "cpus" if controller == "cpu" else controller
                raise SandboxError(
                    f"{key}: this machine lets evalrunner make no {controller} cgroup "
                    f"({ex.strerror or ex}), so the limit cannot be enforced: remove `{key}` "
                    "from the sandbox, or run where cgroup v1 folders are writable") from None
    return made


def kill_and_remove(group: Path) -> None:
    """Kill what is left in a cgroup, then remove it (retrying while the killed leave)."""
    for _ in range(50):
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
