"""`docker`: one container (or compose project) per sample, removed at the end of the sample.

Containers run with no network unless the spec names one, with the spec's memory, CPU and
process limits (memory and processes bounded by default too), without the capabilities of
DROPPED_CAPS, and are never pulled unless `pull: true` (a missing image is an error that
says how to build or load it). Each carries the label `evalrunner.run=<run id>`, so
`evalrunner sandbox cleanup` finds what a killed run left behind.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
import shlex
import shutil
import time
import uuid
from pathlib import Path
from typing import ClassVar

from ...tools._environment import tool_environment
from ...tools._subprocess import DEFAULT_OUTPUT_LIMIT, ExecResult, subprocess
from .._backend import Leftover, SandboxBackend, sandbox_backend
from .._channel import SOCKETS
from .._environment import Sandbox, SandboxConnection, SandboxError
from .._host import leftovers as host_leftovers
from .._host import make_workdir, remove_tree
from .._spec import SandboxSpec
from ._docker_cli import CLIENT_VARIABLES, compose_command, docker, docker_sync, require_docker

RUN_LABEL = "evalrunner.run"
UID_LABEL = "evalrunner.uid"  # the user who started the run (cleanup leaves others' alone)
PROJECT_LABEL = "com.docker.compose.project"
PREFIX = "evalrunner-"
KILL_GRACE = 5  # seconds between `timeout`'s TERM and KILL inside the container
# Limits of a container whose suite sets none (a suite's own `memory`/`pids` replace them).
DEFAULT_MEMORY = "2g"
DEFAULT_PIDS = 1024
# Docker's default capabilities less those an agent's task has no use for (raw sockets,
# device files, chroot, file capabilities, audit): it keeps root's file ownership powers.
DROPPED_CAPS = ("AUDIT_WRITE", "MKNOD", "NET_RAW", "SETFCAP", "SETPCAP", "SYS_CHROOT")


class DockerSandbox(Sandbox):
    """A running container."""

    def __init__(self, container: str, name: str, spec: SandboxSpec,
                 sockets: Path | None = None) -> None:
        self.container = container
        self.name = name
        self.spec = spec
        self.sockets = sockets  # mounted read-only at SOCKETS (not for compose services)

    def socket_folder(self) -> Path | None:
        return self.sockets

    def _exec_args(self, cwd: str | None, env: dict[str, str] | None, user: str | None,
                   interactive: bool = False) -> list[str]:
        args = ["exec", "-i"] if interactive else ["exec"]
        workdir = self.spec.workdir
        if cwd:
            workdir = cwd if cwd.startswith("/") or not workdir else f"{workdir}/{cwd}"
        if workdir:
            args += ["-w", workdir]
        if user := user or self.spec.user:
            args += ["-u", user]
        for key in env or {}:
            args += ["-e", key]  # the value comes from the CLI's environment, not argv
        return [*args, self.container]

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
        # The docker client dying does not stop the process in the container: `timeout`
        # inside does, and the client's own timeout is the backstop.
        inner = ["timeout", "-k", str(KILL_GRACE), f"{timeout:g}", *cmd] if timeout else cmd
        started = time.monotonic()
        args = [*self._exec_args(cwd, env, user, input is not None), *inner]
        outer = timeout + KILL_GRACE + 10 if timeout else None
        result = await docker(*args, input=input, timeout=outer, output_limit=output_limit,
                              env=env, shown=cmd)
        if timeout and result.returncode in (124, 137) and time.monotonic() - started >= timeout:
            raise TimeoutError(f"the command ran over {timeout:g} seconds")
        if result.returncode == 126 and "file not found" in result.stdout + result.stderr:
            result.returncode = 127  # as a shell says "command not found"
        return result

    def stdio_command(self, cmd: list[str], cwd: str | None = None,
                      env: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
        # `docker exec -i` (no terminal: one would mangle the byte stream); `-e NAME` takes
        # each value from the CLI's environment, which also says where the daemon is.
        args = ["docker", *self._exec_args(cwd, env, None, interactive=True), *cmd]
        return args, {**os.environ, **(env or {})}

    def connection(self, command: list[str] | None = None) -> SandboxConnection:
        host = os.environ.get("DOCKER_HOST")
        docker_cmd = ["docker", "-H", host] if host else ["docker"]
        shell = ["sh", "-c", "command -v bash >/dev/null && exec bash -l || exec sh -l"]
        args = ["exec", "-it", *self._exec_args(None, None, None)[1:], *(command or shell)]
        return SandboxConnection("docker", shlex.join([*docker_cmd, *args]), self.spec.workdir)


@sandbox_backend("docker")
class DockerBackend(SandboxBackend):
    """Containers from an image (or built from a Dockerfile), or compose projects."""

    keys: ClassVar[frozenset[str]] = frozenset(
        {"image", "build", "compose", "network", "memory", "cpus", "pids", "pull", "user",
         "workdir", "timeout", "pass_env"})
    file_keys: ClassVar[frozenset[str]] = frozenset({"build", "compose"})

    @classmethod
    def problems(cls, spec: SandboxSpec, base_dir: Path) -> list[str]:
        out = super().problems(spec, base_dir)
        if spec.compose:
            clash = [k for k in ("image", "build", "network", "memory", "cpus", "pids")
                     if getattr(spec, k) is not None]
            if clash:
                out.append(f"sandbox: with a compose file, set {', '.join(clash)} in the "
                           "compose file instead")
        elif not spec.image and not spec.build:
            out.append("sandbox: the docker backend needs an image, a build or a compose file")
        if spec.pass_env and not spec.compose:
            out.append("sandbox pass_env: only with a compose file (the variables it may use)")
        return out

    def __init__(self, spec: SandboxSpec, base_dir: Path) -> None:
        super().__init__(spec, base_dir)
        self.image = spec.image or ""
        self._compose: list[str] = []

    async def task_init(self) -> None:
        await require_docker()
        if self.spec.compose:
            self._compose = await compose_command()
        elif self.spec.build:
            await self._build()
        elif not self.spec.pull:
            found = await docker("image", "inspect", "--format", "{{.Id}}", self.image)
            if not found.success:
                raise SandboxError(
                    f"docker image '{self.image}' is not on this machine, and evalrunner does "
                    f"not pull: build it (docker build -t {self.image} FOLDER), load it "
                    f"(docker load -i FILE.tar), or set `pull: true` in the sandbox")

    async def _build(self) -> None:
        assert self.spec.build is not None
        path = self.base_dir / self.spec.build
        dockerfile = path / "Dockerfile" if path.is_dir() else path
        context = path if path.is_dir() else path.parent
        digest = hashlib.sha256(str(dockerfile.resolve()).encode()).hexdigest()[:12]
        self.image = self.spec.image or f"{PREFIX}build-{digest}"
        result = await docker("build", "-t", self.image, "-f", str(dockerfile), str(context),
                              timeout=None, output_limit=20000)
        if not result.success:
            raise SandboxError(f"docker build of {dockerfile} failed: "
                               f"{(result.stderr or result.stdout).strip()[-2000:]}")

    async def sample_init(self, run_id: str, label: str) -> dict[str, Sandbox]:
        name = f"{PREFIX}{run_id}-{label}-{uuid.uuid4().hex[:6]}"
        if self._compose:
            return await self._compose_up(name, run_id)
        spec = self.spec
        args = ["run", "-d", "--init", "--pull", "missing" if spec.pull else "never",
                "--name", name, "--label", f"{RUN_LABEL}={run_id}",
                "--label", f"{UID_LABEL}={os.getuid()}",
                "--network", spec.network or "none", "--entrypoint", ""]
        memory = spec.memory or DEFAULT_MEMORY
        args += ["--memory", memory, "--memory-swap", memory,
                 "--pids-limit", str(spec.pids or DEFAULT_PIDS)]
        for cap in DROPPED_CAPS:
            args += ["--cap-drop", cap]
        if spec.cpus:
            args += ["--cpus", f"{spec.cpus:g}"]
        if spec.workdir:
            args += ["-w", spec.workdir]
        # A folder of this machine for the sample's unix sockets (the bridge's endpoint),
        # read-only inside: the way in that is not the network.
        sockets = make_workdir("docker", run_id, label)
        sockets.chmod(0o755)
        args += ["-v", f"{sockets}:{SOCKETS}:ro"]
        result = await docker(*args, self.image, "tail", "-f", "/dev/null")
        if not result.success:
            docker_sync("rm", "-f", name)
            await remove_tree(sockets)
            raise SandboxError(f"docker run {self.image} failed: {result.stderr.strip()[-1000:]}")
        return {"default": DockerSandbox(result.stdout.strip(), "default", spec, sockets)}

    async def _compose_up(self, project: str, run_id: str) -> dict[str, Sandbox]:
        assert self.spec.compose is not None
        base = [*self._compose, "-p", project, "-f", str(self.base_dir / self.spec.compose)]
        # Compose reads the variables its file names from its environment: it gets only
        # the docker client's, the basics, and those the suite names in `pass_env`.
        env = tool_environment([*CLIENT_VARIABLES, *(self.spec.pass_env or ())],
                               {"EVALRUNNER_RUN_ID": run_id})
        up = await subprocess([*base, "up", "-d", "--no-build"], timeout=300, env=env,
                              inherit_env=False)
        if not up.success:
            await subprocess([*base, "down", "-v", "--remove-orphans"], timeout=120, env=env,
                             inherit_env=False)
            raise SandboxError(f"compose up failed: {up.stderr.strip()[-2000:]}")
        listed = await docker("ps", "--filter", f"label={PROJECT_LABEL}={project}", "--format",
                              '{{.ID}} {{.Label "com.docker.compose.service"}}')
        services: dict[str, str] = {}
        for line in listed.stdout.splitlines():
            container, _, service = line.partition(" ")
            if service:
                services[service] = container
        order = sorted(services, key=lambda s: (s != "default", s))
        return {s: DockerSandbox(services[s], s, self.spec) for s in order}

    async def sample_cleanup(self, envs: dict[str, Sandbox]) -> None:
        containers = [e.container for e in envs.values() if isinstance(e, DockerSandbox)]
        if self._compose and containers:
            await _remove_projects(await _projects_of(containers))
        elif containers:
            await docker("rm", "-f", *containers)
        for env in envs.values():
            if isinstance(env, DockerSandbox) and env.sockets is not None:
                await remove_tree(env.sockets)

    @classmethod
    def emergency_cleanup(cls, envs: dict[str, Sandbox]) -> None:
        containers = [e.container for e in envs.values() if isinstance(e, DockerSandbox)]
        if containers:
            docker_sync("rm", "-f", *containers)
        for env in envs.values():
            if isinstance(env, DockerSandbox) and env.sockets is not None:
                shutil.rmtree(env.sockets, ignore_errors=True)

    @classmethod
    async def leftovers(cls, run_id: str | None = None) -> list[Leftover]:
        label = f"{RUN_LABEL}={run_id}" if run_id else RUN_LABEL
        columns = f'{{{{.ID}}}} {{{{.Label "{RUN_LABEL}"}}}} {{{{.Label "{UID_LABEL}"}}}}'
        found = await docker("ps", "-a", "--filter", f"label={label}", "--format", columns)
        if not found.success:
            raise SandboxError(f"docker ps failed: {found.stderr.strip()}")
        out: list[Leftover] = await asyncio.to_thread(host_leftovers, "docker", run_id)
        for line in found.stdout.splitlines():
            container, owner, uid = [*line.split(" "), "", ""][:3]
            out.append(Leftover(owner, f"container {container}",
                                int(uid) if uid.isdigit() else None,
                                functools.partial(docker, "rm", "-f", container)))
        listed = await docker("ps", "-a", "--filter", f"label={PROJECT_LABEL}", "--format",
                              '{{.Label "com.docker.compose.project"}}')
        prefix = f"{PREFIX}{run_id or ''}"
        for project in sorted({p for p in listed.stdout.split() if p.startswith(prefix)}):
            owner = project.removeprefix(PREFIX).split("-", 1)[0]
            out.append(Leftover(owner, f"compose project {project}", None,
                                functools.partial(_remove_projects, {project})))
        return out


async def _projects_of(containers: list[str]) -> set[str]:
    label = '{{index .Config.Labels "' + PROJECT_LABEL + '"}}'
    result = await docker("inspect", "--format", label, *containers)
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


async def _remove_projects(projects: set[str]) -> None:
    """Containers and networks of compose projects, by label (no compose file needed)."""
    for project in projects:
        label = f"label={PROJECT_LABEL}={project}"
        found = await docker("ps", "-aq", "--filter", label)
        if found.stdout.split():
            await docker("rm", "-f", "-v", *found.stdout.split())
        networks = await docker("network", "ls", "-q", "--filter", label)
        if networks.stdout.split():
            await docker("network", "rm", *networks.stdout.split())
