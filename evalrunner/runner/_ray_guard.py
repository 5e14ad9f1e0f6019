"""Nothing of a local Ray outlives the run that started it, even a SIGKILLed one.

`ray.init()` ties its head processes to the driver, but the agents the raylet starts
(`ray::DashboardAgent`, `ray::RuntimeEnvAgent`) are left running when the driver is
killed. A small guard process, started with the local Ray, notes the driver's descendants
(pid and start time, so a reused pid is never taken for one) while the driver lives; when
the driver's end of its pipe closes (the driver ended, however), it waits a moment for
Ray's own shutdown and kills whatever of them is left.

Also how a unit tells that its driver is gone (`driver_ref`, `driver_gone`).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_POLL = 0.5  # seconds between looks at the driver's descendants
_GRACE = 2.0  # what Ray's own shutdown gets before the guard kills what is left


def start_guard() -> subprocess.Popen[bytes]:
    """The guard of this process's descendants; it lives as long as its stdin is open."""
    return subprocess.Popen(
        [sys.executable, "-m", "evalrunner.runner._ray_guard", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the terminal's group is the driver's to handle
    )


def stop_guard(guard: subprocess.Popen[bytes]) -> None:
    """Let the guard reap what `ray.shutdown()` left; it exits on its own."""
    if guard.stdin is not None:
        guard.stdin.close()


def start_time(pid: int) -> int | None:
    """A process's start time in clock ticks since boot (None: no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[19])


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(entry.path, "stat").read_text()
            parent = int(stat.rpartition(")")[2].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _descendants(root: int) -> set[int]:
    tree, found, todo = _children(), set(), [root]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _is_ray(pid: int) -> bool:
    """Ray's own processes: its binaries (raylet, gcs_server) and workers and agents
    (titled `ray::...`); never another child of a driver that goes on after a run."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    program = command.split(b"\0")[:3]  # the binary, or python (-u) and its script
    return command.startswith(b"ray::") or any(b"/ray/" in part for part in program)


def _guard(driver: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    seen: dict[int, int] = {}
    while True:
        for pid in _descendants(driver) - {os.getpid()} - seen.keys():
            started = start_time(pid)
            if started is not None and _is_ray(pid):
                seen[pid] = started
        ready, _, _ = select.select([sys.stdin.buffer], [], [], _POLL)
        if ready and not os.read(sys.stdin.fileno(), 1024):
            break  # the driver's end closed: it stopped the guard or died
    deadline = time.monotonic() + _GRACE
    while time.monotonic() < deadline and any(start_time(p) == s for p, s in seen.items()):
        time.sleep(0.1)
    for pid, started in seen.items():
        if start_time(pid) == started:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@dataclass(frozen=True)
class DriverRef:
    """The driver of a run, as its units find it: a process of one pid namespace, and
    its Ray job, seen from other machines."""

    namespace: str
    pid: int
    started: int | None
    job: str | None


def _namespace() -> str:
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot}:{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return ""


def driver_ref(job: str | None) -> DriverRef:
    return DriverRef(_namespace(), os.getpid(), start_time(os.getpid()), job)


def driver_is_here(driver: DriverRef) -> bool:
    """Whether the driver's process is visible from here (same kernel, same pid space)."""
    return bool(driver.namespace) and driver.namespace == _namespace()


def driver_gone(driver: DriverRef) -> bool:
    """Whether the driver has ended: its process if this machine has it, else its job."""
    if driver_is_here(driver):
        return start_time(driver.pid) != driver.started
    if driver.job is None:
        return False
    try:
        import ray._private.state as state

        jobs: list[dict[str, object]] = state.state.job_table()  # type: ignore[no-untyped-call]
    except Exception:  # no answer is no news: the unit goes on
        return False
    return any(j["JobID"] == driver.job and j["IsDead"] for j in jobs)


if __name__ == "__main__":
    _guard(int(sys.argv[1]))
