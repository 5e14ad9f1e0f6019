"""Sandboxes: where a sample's commands and files live (docker, bwrap, local, or a plugin's).

A suite asks for one with `sandbox:` (suite, task or sample); each sample gets its own,
created before its plan and removed after its scorers. Python code reaches it with
`sandbox()`:

    from evalrunner.sandbox import sandbox

    result = await sandbox().exec(["cat", "flag.txt"], timeout=10)

A backend is a `SandboxBackend` subclass registered with `@sandbox_backend("name")` (or
named as `file.py@Class`, or `pkg/name` through the `evalrunner` entry-point group).
"""

from ._backend import Leftover, SandboxBackend, backend_class, sandbox_backend, spec_problems
from ._context import current_sandboxes, sandbox, sandbox_scope
from ._environment import ExecResult, Sandbox, SandboxConnection, SandboxError
from ._lifecycle import TaskSandboxes
from ._service import sandbox_service, serve
from ._spec import SANDBOX_KEYS, SandboxSpec, sandbox_spec

__all__ = [
    "SANDBOX_KEYS",
    "ExecResult",
    "Leftover",
    "Sandbox",
    "SandboxBackend",
    "SandboxConnection",
    "SandboxError",
    "SandboxSpec",
    "TaskSandboxes",
    "backend_class",
    "current_sandboxes",
    "sandbox",
    "sandbox_backend",
    "sandbox_scope",
    "sandbox_service",
    "sandbox_spec",
    "serve",
    "spec_problems",
]
