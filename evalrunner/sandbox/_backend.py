"""What a sandbox backend provides, and how backends are registered and found."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ._environment import Sandbox
from ._spec import SandboxSpec

__all__ = ["Leftover", "SandboxBackend", "backend_class", "sandbox_backend", "spec_problems"]

B = TypeVar("B", bound="type[SandboxBackend]")


@dataclass(frozen=True)
class Leftover:
    """Something a run left behind: what it is, whose it is, and how to remove it."""

    run_id: str
    what: str  # e.g. "container 3f2a...", "folder /tmp/evalrunner-sandbox-bwrap-..."
    uid: int | None  # its owner on this machine, when the backend can tell
    remove: Callable[[], Awaitable[Any]]


class SandboxBackend(ABC):
    """A kind of sandbox: it creates each sample's sandboxes and removes them.

    One instance serves one task (one spec): `task_init` once before the first sample,
    `sample_init`/`sample_cleanup` around each sample, `task_cleanup` at the end.
    `leftovers` lists what runs left behind, for `evalrunner sandbox cleanup` (which removes
    those of runs that are over); `cleanup` removes a run's at once.
    """

    # The spec keys besides `type` this backend reads; any other key is an error.
    keys: ClassVar[frozenset[str]] = frozenset()
    # Keys naming files relative to the suite's folder (a missing one is an error).
    file_keys: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, spec: SandboxSpec, base_dir: Path) -> None:
        self.spec = spec
        self.base_dir = base_dir

    @classmethod
    def problems(cls, spec: SandboxSpec, base_dir: Path) -> list[str]:
        """What is wrong with a spec for this backend, before anything runs."""
        out = [f"sandbox {key}: not a setting of the {spec.type} backend"
               f" (its settings: {', '.join(sorted(cls.keys)) or 'none'})"
               for key in spec.settings() if key not in cls.keys]
        for key in sorted(cls.file_keys):
            value = getattr(spec, key)
            if value is not None and not (base_dir / value).exists():
                out.append(f"sandbox {key}: '{value}' not found (looked in {base_dir})")
        return out

    async def task_init(self) -> None:
        """Prepare what every sample shares (check or build an image); raise SandboxError."""
        return None

    @abstractmethod
    async def sample_init(self, run_id: str, label: str) -> dict[str, Sandbox]:
        """Create one sample's sandboxes, by name (`default` first)."""

    @abstractmethod
    async def sample_cleanup(self, envs: dict[str, Sandbox]) -> None:
        """Remove one sample's sandboxes (called even when the sample failed)."""

    async def task_cleanup(self) -> None:
        """Remove what task_init made."""
        return None

    @classmethod
    async def leftovers(cls, run_id: str | None = None) -> list[Leftover]:
        """The sandboxes of a run (of every run when None) that exist now, live or not."""
        return []

    @classmethod
    async def cleanup(cls, run_id: str | None = None) -> list[str]:
        """Remove the sandboxes of a run (every run when None), live or not; say what went."""
        gone = []
        for item in await cls.leftovers(run_id):
            await item.remove()
            gone.append(item.what)
        return gone

    @classmethod
    def emergency_cleanup(cls, envs: dict[str, Sandbox]) -> None:
        """Remove sandboxes without an event loop (at interpreter exit after a hard stop)."""
        # Optional: a backend whose sandboxes die with evalrunner needs none.
        del envs


def sandbox_backend(name: str) -> Callable[[B], B]:
    """Register a SandboxBackend subclass under `name` (`sandbox: name` in suites)."""
    from .. import registry

    def wrap(cls: B) -> B:
        registry.register("sandbox", name, cls)
        return cls

    return wrap


def backend_class(name: str, base_dir: Path | None = None) -> type[SandboxBackend]:
    """The backend registered (or written as `file.py@Class`, `pkg/name`) under `name`."""
    from .. import registry

    obj: Any = registry.resolve("sandbox", name, base_dir).obj
    if not (isinstance(obj, type) and issubclass(obj, SandboxBackend)):
        raise TypeError(f"sandbox '{name}' is not a SandboxBackend class")
    return obj


def spec_problems(spec: SandboxSpec, base_dir: Path) -> list[str]:
    """Everything wrong with a spec (an unknown backend, keys it does not read, missing files)."""
    from .. import registry

    try:
        cls = backend_class(spec.type, base_dir)
    except registry.UnknownNameError as ex:
        return [f"sandbox: {ex}"]
    except (TypeError, ImportError, SyntaxError) as ex:
        return [f"sandbox: {ex}"]
    return cls.problems(spec, base_dir)
