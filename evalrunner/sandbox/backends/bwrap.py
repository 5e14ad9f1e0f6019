"""`bwrap`: bubblewrap, a light sandbox with no daemon.

Each command runs in new namespaces (`--unshare-all`: its own PIDs and `/proc`, no network
but a loopback, no IPC) and sees only what it needs of the host: the system folders
(`/usr` and its links, an allowlist of `/etc`), read-only; the sample's own writable
`/root` (the working folder and HOME) and `/tmp`; an empty `/home`; a `/dev` of its own.
Nothing else of the host is there: no `/run`, `/var`, other users' folders, the host's
temporary folder (so no other sample's files, whatever TMPDIR is) nor any unix socket
outside those. No capabilities remain (`--cap-drop ALL`: without it a process running as
root inside could remount a folder read-write). The environment is the one bubblewrap is
started with (built here, so no key of evalrunner's, and never on a command line that
`ps` shows). Files persist across the sample's commands because `/root` and `/tmp` are
folders on the host, removed at the end of the sample; they are read and written only
from inside (see `Sandbox.read_bytes`). Limits: cgroups nested under evalrunner's own
(memory, pids, cpu); memory falls back to `prlimit --as` where no cgroup can be made, the
others are refused then. Disk: the sample's folder is a tmpfs of `disk` bytes (see `_disk`).
"""

from __future__ import annotations

import asyncio
import functools
import glob
import logging
import os
import shlex
import shutil
import uuid
from pathlib import Path
from typing import ClassVar

from ...tools._subprocess import DEFAULT_OUTPUT_LIMIT, ExecResult, subprocess
from .._backend import Leftover, SandboxBackend, sandbox_backend
from .._channel import SOCKETS
from .._environment import Sandbox, SandboxConnection, SandboxError
from .._host import leftovers, make_workdir, parse_bytes, remove_tree
from .._spec import SandboxSpec
from ._cgroups import CGROUP_PREFIX, CGROUP_ROOT, kill_and_remove, make_cgroups
from ._disk import DEFAULT_DISK, mount_bound, unmount

logger = logging.getLogger(__name__)
WORKDIR = "/root"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What programs read from /etc (users, libraries, names, certificates, locales, terminals);
# the rest of it (shadow, ssh keys, service configuration) stays out.
ETC = ("alternatives", "bash.bashrc", "ca-certificates", "ca-certificates.conf",
       "debian_version", "gai.conf", "gitconfig", "group", "host.conf", "hostname", "hosts",
       "inputrc", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "locale.alias", "localtime",
       "magic", "magic.mime", "mime.types", "nsswitch.conf", "os-release", "passwd", "perl",
       "profile", "protocols", "python3*", "resolv.conf", "services", "shells", "ssl",
       "terminfo", "timezone")


def system_binds() -> list[str]:
    """bwrap arguments showing the system folders read-only (links kept as links)."""
    args: list[str] = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for pattern in ETC:
        for path in sorted(glob.glob(f"/etc/{pattern}")):
            args += ["--ro-bind", path, path]
    return args


class BwrapSandbox(Sandbox):
    """One sample's folders on the host, and the limits its commands run under."""

    def __init__(self, folder: Path, spec: SandboxSpec, cgroups: list[Path],
                 fsize: int | None = None) -> None:
        self.folder = folder
        self.spec = spec
        self.cgroups = cgroups
        self.fsize = fsize  # a per-file size limit where the disk bound could not be mounted
        self.name = "default"

    def command(self, cmd: list[str], cwd: str | None = None, user: str | None = None,
                session: bool = True, env: dict[str, str] | None = None) -> list[str]:
        """The full command line that runs `cmd` inside (with limits), as a list.

        The environment is bubblewrap's own (see `environment`); `env` puts variables on
        the command line instead, for a person's shell (`connection`).
        """
        args = ["bwrap", *system_binds(), "--dev", "/dev", "--proc", "/proc",
                "--bind", str(self.folder / "tmp"), "/tmp",
                "--bind", str(self.folder / "root"), WORKDIR, "--tmpfs", "/home",
                "--ro-bind", str(self.socket_folder()), SOCKETS,
                "--unshare-all", "--die-with-parent", "--cap-drop", "ALL"]
        if self.spec.network == "host":
            args.append("--share-net")
        if session:
            args.append("--new-session")  # no TIOCSTI into the caller's terminal
        for key, value in (env or {}).items():
            args += ["--setenv", key, value]
        if user := user or self.spec.user:
            args += _user_args(user)
        workdir = str(Path(self.spec.workdir or WORKDIR) / (cwd or "."))
        args += ["--chdir", workdir, "--", *cmd]
        return [*self._limits(), *args]

    def socket_folder(self) -> Path:
        return self.folder / "sockets"

    @staticmethod
    def environment(env: dict[str, str] | None = None) -> dict[str, str]:
        """The whole environment of a command: the basics and what the caller sets."""
        return {"PATH": PATH, "HOME": WORKDIR, "LANG": "C.UTF-8", "TERM": "xterm",
                **(env or {})}

    def _limits(self) -> list[str]:
        prefix: list[str] = []
        if self.cgroups:
            targets = " ".join(shlex.quote(str(c / "cgroup.procs")) for c in self.cgroups)
            prefix = ["sh", "-c", f'for f in {targets}; do echo $$ > "$f"; done; exec "$@"', "sh"]
        limits = [f"--fsize={self.fsize}"] if self.fsize else []
        if self.spec.memory and not any("memory" in c.parts for c in self.cgroups):
            limits.append(f"--as={parse_bytes(self.spec.memory)}")
        return [*prefix, "prlimit", *limits, "--"] if limits else prefix

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
        # Values go in bubblewrap's environment, which the command inherits: never argv.
        return await subprocess(self.command(cmd, cwd, user), input=input,
                                env=self.environment(env), inherit_env=False,
                                timeout=timeout, output_limit=output_limit, shown=cmd)

    def stdio_command(self, cmd: list[str], cwd: str | None = None,
                      env: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
        # Values in bubblewrap's environment, as `exec` does: never on the command line.
        return self.command(cmd, cwd), self.environment(env)

    def connection(self, command: list[str] | None = None) -> SandboxConnection:
        # No --new-session: the person's shell needs the terminal as its controlling one.
        line = self.command(command or ["bash", "-l"], session=False,
                            env=self.environment())
        return SandboxConnection("bwrap", "env -i " + shlex.join(line),
                                 self.spec.workdir or WORKDIR)


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
        {"network", "memory", "cpus", "pids", "user", "workdir", "timeout", "disk"})

    @classmethod
    def problems(cls, spec: SandboxSpec, base_dir: Path) -> list[str]:
        out = super().problems(spec, base_dir)
        if spec.network not in (None, "none", "host"):
            out.append(f"sandbox network: '{spec.network}' (bwrap knows none and host)")
        if spec.workdir and not (spec.workdir == WORKDIR or spec.workdir.startswith("/root/")):
            out.append("sandbox workdir: must be /root or a folder under it with bwrap")
        if spec.disk:
            try:
                parse_bytes(spec.disk, "disk")
            except SandboxError as ex:
                out.append(f"sandbox {ex}")
        return out

    async def task_init(self) -> None:
        if shutil.which("bwrap") is None:
            raise SandboxError("bubblewrap is not installed: apt-get install bubblewrap")

    async def sample_init(self, run_id: str, label: str) -> dict[str, Sandbox]:
        folder = make_workdir("bwrap", run_id, label)
        shown = [p for p in (*SYSTEM, "/etc") if folder.is_relative_to(p)]
        if shown:  # every sample would see it: refuse rather than share
            await remove_tree(folder)
            raise SandboxError(f"the temporary folder {folder.parent} is inside {shown[0]}, "
                               "which bwrap shows to every sample: set TMPDIR elsewhere")
        try:
            fsize = await self._bound_disk(folder)
        except SandboxError:
            await remove_tree(folder)
            raise
        for sub in ("root", "tmp", "sockets"):
            (folder / sub).mkdir()
        (folder / "sockets").chmod(0o755)  # any user inside may reach the bridge's socket
        if self.spec.workdir:
            (folder / self.spec.workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        name = f"{CGROUP_PREFIX}{run_id}-{label}-{uuid.uuid4().hex[:6]}"
        try:
            cgroups = await asyncio.to_thread(make_cgroups, self.spec, name)
        except SandboxError:
            await _remove_folder(folder)  # unmounted first: rmtree cannot remove a mount
            raise
        return {"default": BwrapSandbox(folder, self.spec, cgroups, fsize)}

    async def _bound_disk(self, folder: Path) -> int | None:
        """Mount the disk bound on the folder; the per-file size limit to use instead, if any."""
        size = parse_bytes(self.spec.disk or DEFAULT_DISK, "disk")
        problem = await asyncio.to_thread(mount_bound, folder, size)
        if problem is None:
            return None
        if self.spec.disk:
            raise SandboxError(f"disk: cannot mount a {self.spec.disk} file system for the "
                               f"sample ({problem}), so the bound cannot be enforced: remove "
                               "`disk` from the sandbox, or run evalrunner with CAP_SYS_ADMIN")
        logger.info("no tmpfs for the sample (%s): each file is limited instead", problem)
        return size

    async def sample_cleanup(self, envs: dict[str, Sandbox]) -> None:
        for env in envs.values():
            assert isinstance(env, BwrapSandbox)
            await asyncio.to_thread(_remove_cgroups, env.cgroups)
            await _remove_folder(env.folder)

    @classmethod
    def emergency_cleanup(cls, envs: dict[str, Sandbox]) -> None:
        for env in envs.values():
            if isinstance(env, BwrapSandbox):
                _remove_cgroups(env.cgroups)
                unmount(env.folder)
                shutil.rmtree(env.folder, ignore_errors=True)

    @classmethod
    async def leftovers(cls, run_id: str | None = None) -> list[Leftover]:
        found = leftovers("bwrap", run_id, _remove_folder)
        prefix = f"{CGROUP_PREFIX}{run_id or ''}"
        for controller in ("memory", "pids", "cpu"):
            # Nested under the cgroup of the run that made them, wherever that was.
            for group in sorted((CGROUP_ROOT / controller).glob(f"**/{prefix}*")):
                if group.is_dir():
                    owner = group.name.removeprefix(CGROUP_PREFIX).split("-", 1)[0]
                    found.append(Leftover(owner, f"cgroup {group}", group.stat().st_uid,
                                          functools.partial(asyncio.to_thread,
                                                            kill_and_remove, group)))
        return found


async def _remove_folder(folder: Path) -> None:
    await asyncio.to_thread(unmount, folder)
    await remove_tree(folder)


def _remove_cgroups(groups: list[Path]) -> None:
    for group in groups:
        kill_and_remove(group)
