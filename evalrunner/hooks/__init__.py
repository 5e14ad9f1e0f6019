"""Hooks: plugins told when a run, a task or a sample starts and ends.

Subclass `Hooks`, override the events you need (async or plain methods), and register the
class under the `evalrunner.hooks` entry-point group of your package (or name it in
`EVALRUNNER_HOOKS`). An exception in a hook is logged and never fails the run.
"""

from ._hooks import (
    Hooks,
    RunEnd,
    RunStart,
    SampleEnd,
    SampleStart,
    TaskEnd,
    TaskStart,
    load_hooks,
)

__all__ = [
    "Hooks", "RunEnd", "RunStart", "SampleEnd", "SampleStart", "TaskEnd", "TaskStart",
    "load_hooks",
]
