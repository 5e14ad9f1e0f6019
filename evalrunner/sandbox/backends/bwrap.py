"""`bwrap`: bubblewrap, a light sandbox with no daemon.

Each command runs in new namespaces (`--unshare-all`: its own PIDs, no network but a
loopback, no IPC) with the host's root read-only, the sample's own writable `/root` (the
working folder and HOME) and `/tmp`, an empty `/home`, a cleared environment, and no
capabilities (`--cap-drop ALL`: without it a process running as root inside could remount
`/` read-write and write to the host). Files persist across the sample's commands because
`/root` and `/tmp` are folders on the host, removed at the end of the sample. Limits:
cgroups (v1 memory, pids, cpu) where the machine lets evalrunner make them, else `prlimit`
(address space for memory, processes per user for pids).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import shutil
import uuid
from pathlib import Path
from typing import ClassVar

from ...tools._subprocess import DEFAULT_OUTPUT_LIMIT, ExecResult, subprocess
from .._backend import SandboxBackend, sandbox_backend
from .._environment import Sandbox, SandboxConnection, SandboxError
from .._host import (
    leftovers,
    make_workdir,
    parse_bytes,
    read_host_file,
    remove_tree,
    write_host_file,
)
from .._spec import SandboxSpec

logger = logging.getLogger(__name__)
WORKDIR = "/root"
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PREFIX = "evalrunner-"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class BwrapSandbox(Sandbox):
    """One sample's folders on the host, and the limits its commands run under."""

    def __init__(self, folder: Path, spec: SandboxSpec, cgroups: list[Path]) -> None:
        self.folder = folder
        self.spec = spec
        self.cgroups = cgroups
        self.name = "default"

    def _host_path(self, path: str) -> Path:
        """Where a sandbox path lives on the host (only /root and /tmp are writable)."""
        inside = Path(os.path.normpath(Path(self.spec.workdir or WORKDIR) / path))
        for mount in ("root", "tmp"):
            if inside == Path("/", mount) or Path("/", mount) in inside.parents:
                return self.folder / mount / inside.relative_to(Path("/", mount))
        raise SandboxError(f"{inside}: only /root and /tmp are writable in a bwrap sandbox")

    def command(self, cmd: list[str], cwd: str | None = None, env: dict[str, str] | None = None,
                user: str | None = None, session: bool = True) -> list[str]:
        """The full command line that runs `cmd` inside (with limits), as a list."""
        args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                "--bind", str(self.folder / "tmp"), "/tmp",
                "--bind", str(self.folder / "root"), WORKDIR, "--tmpfs", "/home",
                "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--clearenv"]
        if self.spec.network == "host":
            args.append("--share-net")
        if session:
            args.append("--new-session")  # no TIOCSTI into the caller's terminal
        base = {"PATH": PATH, "HOME": WORKDIR, "LANG": "C.UTF-8", "TERM": "xterm",
                **(env or {})}
        for key, value in base.items():
            args += ["--setenv", key, value]
        if user := user or self.spec.user:
            args += _user_args(user)
        workdir = str(Path(self.spec.workdir or WORKDIR) / (cwd or "."))
        args += ["--chdir", workdir, "--", *cmd]
        return [*self._limits(), *args]

    def _limits(self) -> list[str]:
        prefix: list[str] = []
        if self.cgroups:
            targets = " ".join(shlex.quote(str(c / "cgroup.procs")) for c in self.cgroups)
            prefix = ["sh", "-c", f'for f in {targets}; do echo $$ > "$f"; done; exec "$@"', "sh"]
        limits = []
        if self.spec.memory and not any(c.parent.name == "memory" for c in self.cgroups):
            limits.append(f"--as={parse_bytes(self.spec.memory)}")
        if self.spec.pids and not any(c.parent.name == "pids" for c in self.cgroups):
            limits.append(f"--nproc={self.spec.pids}")
        return [*prefix, *(["prlimit", *limits, "--"] if limits else [])]

    async def exec(
        self,
        cmd: list[str],
        input: str | bytes | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
        user: str | None = None,
        timeout: float | None = None,
        output_limit: int | None = DEFAULT_OUTPUT_LIMIT,
    ) -> ExecResult:
        if not cmd:
            raise ValueError("no command to run")
        return await subprocess(self.command(cmd, cwd, env, user), input=input,
                                timeout=timeout, output_limit=output_limit, shown=cmd)

    async def write_file(self, path: str, contents: str | bytes) -> None:
        await write_host_file(self._host_path(path), contents)

    async def read_bytes(self, path: str) -> bytes:
        try:
            host = self._host_path(path)
        except SandboxError:  # outside the writable folders: the host's (read-only) file
            host = Path(os.path.normpath(Path(self.spec.workdir or WORKDIR) / path))
        return await read_host_file(host)

    def connection(self, command: list[str] | None = None) -> SandboxConnection:
        # No --new-session: the person's shell needs the terminal as its controlling one.
        line = self.command(command or ["bash", "-l"], session=False)
        return SandboxConnection("bwrap", shlex.join(line), self.spec.workdir or WORKDIR)


def _user_args(user: str) -> list[str]:
    import pwd

    try:
        entry = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except KeyError:
        raise SandboxError(f"user '{user}' does not exist on this machine") from None
    return ["--unshare-user", "--uid", str(entry.pw_uid), "--gid", str(entry.pw_gid)]


@sandbox_backend("bwrap")
class BwrapBackend(SandboxBackend):
    """Per sample: a folder on the host, and cgroups for its limits when the machine allows."""

    keys: ClassVar[frozenset[str]] = frozenset(
        {"network", "memory", "cpus", "pids", "user", "workdir", "timeout"})

    @classmethod
    def problems(cls, spec: SandboxSpec, base_dir: Path) -> list[str]:
        out = super().problems(spec, base_dir)
        if spec.network not in (None, "none", "host"):
            out.append(f"sandbox network: '{spec.network}' (bwrap knows none and host)")
        if spec.workdir and not (spec.workdir == WORKDIR or spec.workdir.startswith("/root/")):
            out.append("sandbox workdir: must be /root or a folder under it with bwrap")
        return out

    async def task_init(self) -> None:
        if shutil.which("bwrap") is None:
            raise SandboxError("bubblewrap is not installed: apt-get install bubblewrap")

    async def sample_init(self, run_id: str, label: str) -> dict[str, Sandbox]:
        folder = make_workdir("bwrap", run_id, label)
        for sub in ("root", "tmp"):
            (folder / sub).mkdir()
        if self.spec.workdir:
            (folder / self.spec.workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        name = f"{CGROUP_PREFIX}{run_id}-{label}-{uuid.uuid4().hex[:6]}"
        cgroups = await asyncio.to_thread(_make_cgroups, self.spec, name)
        return {"default": BwrapSandbox(folder, self.spec, cgroups)}

    async def sample_cleanup(self, envs: dict[str, Sandbox]) -> None:
        for env in envs.values():
            assert isinstance(env, BwrapSandbox)
            await asyncio.to_thread(_remove_cgroups, env.cgroups)
            await remove_tree(env.folder)

    @classmethod
    def emergency_cleanup(cls, envs: dict[str, Sandbox]) -> None:
        for env in envs.values():
            if isinstance(env, BwrapSandbox):
                _remove_cgroups(env.cgroups)
                shutil.rmtree(env.folder, ignore_errors=True)

    @classmethod
    async def cleanup(cls, run_id: str | None = None) -> list[str]:
        gone = []
        for path in leftovers("bwrap", run_id):
            await remove_tree(path)
            gone.append(str(path))
        for controller in ("memory", "pids", "cpu"):
            folder = CGROUP_ROOT / controller
            for group in folder.glob(f"{CGROUP_PREFIX}{run_id or ''}*"):
                _kill_and_remove(group)
                gone.append(str(group))
        return gone


def _make_cgroups(spec: SandboxSpec, name: str) -> list[Path]:
    """cgroup v1 folders with the spec's limits; [] where the machine does not allow them."""
    wanted: dict[str, dict[str, str]] = {}
    if spec.memory:
        size = str(parse_bytes(spec.memory))
        wanted["memory"] = {"memory.limit_in_bytes": size, "memory.swappiness": "0"}
    if spec.pids:
        wanted["pids"] = {"pids.max": str(spec.pids)}
    if spec.cpus:
        wanted["cpu"] = {"cpu.cfs_period_us": "100000",
                         "cpu.cfs_quota_us": str(int(spec.cpus * 100000))}
    made = []
    for controller, settings in wanted.items():
        group = CGROUP_ROOT / controller / name
        try:
            group.mkdir()
            for key, value in settings.items():
                if (group / key).exists():
                    (group / key).write_text(value)
            made.append(group)
        except OSError as ex:
            if group.exists():
                _kill_and_remove(group)
            if controller == "cpu":
                raise SandboxError(f"cpus: this machine allows no CPU limit ({ex})") from None
            logger.info("no %s cgroup (%s): prlimit instead", controller, ex)
    return made


def _remove_cgroups(groups: list[Path]) -> None:
    for group in groups:
        _kill_and_remove(group)


def _kill_and_remove(group: Path) -> None:
    import signal
    import time

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
            time.sleep(0.02)  # the killed processes are still leaving
