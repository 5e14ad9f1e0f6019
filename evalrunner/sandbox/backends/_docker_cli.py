"""Talking to the Docker daemon through the `docker` CLI (and compose through its CLI)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess as sync_subprocess

from ...tools._subprocess import ExecResult, subprocess
from .._environment import SandboxError

__all__ = ["CLIENT_VARIABLES", "compose_command", "docker", "docker_sync", "require_docker"]

# What the docker and compose CLIs read to reach the daemon (none of it a provider key).
CLIENT_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH",
                    "DOCKER_TLS_VERIFY", "DOCKER_API_VERSION", "COMPOSE_*")
CLI_TIMEOUT = 120.0  # seconds for one daemon call (run, rm, inspect); builds have none


async def docker(*args: str, input: str | bytes | None = None, timeout: float | None = CLI_TIMEOUT,
                 output_limit: int | None = None, env: dict[str, str] | None = None,
                 shown: list[str] | None = None) -> ExecResult:
    """Run `docker ARGS`; a missing CLI is a SandboxError saying how to install it.

    `env` is added to the CLI's environment: `docker exec -e NAME` takes NAME's value from
    there, so values never appear on a command line (`ps` shows those to every user).
    `shown` is what the sample's sandbox event records (the command run in a container).
    """
    try:
        return await subprocess(["docker", *args], input=input, timeout=timeout,
                                output_limit=output_limit, env=env, shown=shown)
    except FileNotFoundError:
        raise SandboxError("the docker CLI is not installed (apt-get install docker.io)") from None


def docker_sync(*args: str) -> None:
    """Run `docker ARGS` without an event loop (exit-time cleanup); errors are ignored."""
    with contextlib.suppress(OSError, sync_subprocess.SubprocessError):
        sync_subprocess.run(["docker", *args], capture_output=True, timeout=60, check=False)


async def require_docker() -> None:
    """Fail early, and plainly, when the daemon cannot be reached."""
    if shutil.which("docker") is None:
        raise SandboxError("the docker CLI is not installed (apt-get install docker.io)")
    result = await docker("version", "--format", "{{.Server.Version}}", timeout=30)
    if not result.success:
        host = os.environ.get("DOCKER_HOST", "the default socket")
        raise SandboxError(f"cannot reach the Docker daemon at {host}: "
                           f"{result.stderr.strip()[-500:]}")


async def compose_command() -> list[str]:
    """`docker compose` (the v2 plugin) or `docker-compose`, whichever is installed."""
    plugin = await docker("compose", "version", timeout=30)
    if plugin.success:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise SandboxError("compose files need `docker compose` or `docker-compose` "
                       "(apt-get install docker-compose)")
