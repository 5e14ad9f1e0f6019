"""The current sample's sandboxes, for tools, solvers and scorers written in Python."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .._util.context import ContextField, sample_field
from ._environment import Sandbox, SandboxError

__all__ = ["current_sandboxes", "sandbox", "sandbox_scope"]

_current: ContextField[dict[str, Sandbox] | None] = sample_field("sandboxes")


def sandbox(name: str | None = None) -> Sandbox:
    """The current sample's sandbox (or the one called `name` when it has several).

        result = await sandbox().exec(["ls", "-la"])
    """
    envs = _current.get()
    if not envs:
        raise SandboxError("no sandbox: this sample runs without one (add `sandbox:` to the "
                           "suite, task or sample)")
    if name is None:
        return envs.get("default") or next(iter(envs.values()))
    if name not in envs:
        raise SandboxError(f"no sandbox named '{name}' (this sample has: {', '.join(envs)})")
    return envs[name]


def current_sandboxes() -> dict[str, Sandbox] | None:
    """Every sandbox of the current sample by name, or None when it runs without one."""
    return _current.get()


@contextmanager
def sandbox_scope(envs: dict[str, Sandbox] | None) -> Iterator[None]:
    """Make `envs` the current sample's sandboxes inside the block."""
    token = _current.set(envs)
    try:
        yield
    finally:
        _current.reset(token)
