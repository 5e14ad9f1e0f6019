"""How a suite, task or sample asks for a sandbox: a backend name or a mapping of settings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["SANDBOX_KEYS", "SandboxSpec", "sandbox_spec"]


class SandboxSpec(BaseModel):
    """A sandbox as written: `docker`, or `{type: docker, image: ..., memory: 512m, ...}`.

    Backends read the settings that concern them and reject the others (see
    `SandboxBackend.problems`), so a key that would be silently ignored is an error.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(description="The backend: docker, bwrap, local, or a plugin's name.")
    image: str | None = Field(default=None, description="docker: the image to run.")
    build: str | None = Field(
        default=None, description="docker: a Dockerfile, or a folder holding one, built at "
        "the start of the task (tagged `image` when given).")
    compose: str | None = Field(
        default=None, description="docker: a compose file; one project per sample.")
    network: str | None = Field(
        default=None, description="docker: a network to join (default none: no network); "
        "bwrap: `host` shares the host's network (default: loopback only).")
    memory: str | None = Field(default=None, description="Memory limit, e.g. 512m or 2g.")
    cpus: float | None = Field(default=None, gt=0, description="CPU limit (e.g. 1.5).")
    pids: int | None = Field(default=None, ge=1, description="Most processes at once.")
    disk: str | None = Field(
        default=None, description="bwrap: most bytes the sample's /root and /tmp hold "
        "together, e.g. 512m (default 1g).")
    pull: bool = Field(default=False, description="docker: pull a missing image (default: "
                       "never pull; a missing image is an error).")
    user: str | None = Field(default=None, description="The user commands run as by default.")
    workdir: str | None = Field(default=None, description="The working folder of commands.")
    pass_env: tuple[str, ...] | None = Field(
        default=None, description="docker with compose: variables of evalrunner's "
        "environment the compose file may use (names or globs); compose gets no others.")
    timeout: float | None = Field(
        default=None, gt=0, description="Seconds a sample's setup script may run.")

    def settings(self) -> dict[str, Any]:
        """The keys given besides `type` (for backends to check)."""
        return self.model_dump(exclude={"type"}, exclude_defaults=True)


SANDBOX_KEYS = tuple(SandboxSpec.model_fields)


def sandbox_spec(value: Any) -> SandboxSpec:
    """A spec from a YAML value (a name or a mapping); raises ValueError saying what is wrong."""
    if isinstance(value, SandboxSpec):
        return value
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict):
        raise ValueError(f"sandbox: expected a backend name or a mapping, got {value!r}")
    data = {k: v for k, v in value.items() if not str(k).startswith("x-")}
    try:
        return SandboxSpec.model_validate(data)
    except ValidationError as ex:
        problems = []
        for error in ex.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{where}: {message}" if where else message)
        raise ValueError("sandbox " + "; ".join(problems)) from None
