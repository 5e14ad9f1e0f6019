"""What Inspect's `inspect_ai.util` holds, under the same names: the sample's sandbox and
store, subprocesses and concurrency limits (a ported task file imports them from here)."""

from .sandbox import ExecResult, SandboxError, sandbox
from .solvers import Store, StoreModel, store
from .tools import concurrency, subprocess

__all__ = [
    "ExecResult",
    "SandboxError",
    "Store",
    "StoreModel",
    "concurrency",
    "sandbox",
    "store",
    "subprocess",
]
