"""The state of the running task and sample: one context object each, in two ContextVars.

Everything that follows a run's tasks and samples through asyncio tasks and threads (the
models and roles, params, usage sinks and stats, limits, transcript and span, approval,
scorers, sandboxes, store, resources, templates being read) is a field of the task's or
the sample's context object. A module names its field once (`task_field("model")`) and
uses it as it used its own ContextVar: `get()`, `set(value)` (returning a token) and
`reset(token)`. Setting a field makes a new context object with that field changed, so
an asyncio task started earlier keeps what it saw; resetting puts that field's previous
value back, whatever else changed since (scopes may end in any order).
"""

from __future__ import annotations

import contextvars
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Context:
    """The field names and defaults of one kind of context (the value itself is a dict)."""

    __slots__ = ()
    DEFAULTS: dict[str, Any] = {}


class TaskContext(_Context):
    """What a task (and the run around it) carries."""

    __slots__ = ()
    DEFAULTS: dict[str, Any] = {
        "hooks": None,  # the run's hooks and id (hooks._hooks.RunHooks)
        "model": None, "roles": {}, "roles_known": False,  # what get_model() returns
        "params": {},  # the task's params, read by templates
        "stats": None, "replicas": None,  # call counts and replica use, into the log
        "connection_share": None,  # a Ray unit's slot: its share of each connection limit
        "compaction": None,
        "resources": None,  # MCP servers and other resources shared by the task's samples
        "template_base": None, "used_templates": None,  # where templates are found, read
        "scoped_names": {},  # names that exist while a suite is compiled (declared tools)
    }


class SampleContext(_Context):
    """What a sample carries while it runs."""

    __slots__ = ()
    DEFAULTS: dict[str, Any] = {
        "state": None,  # the TaskState (its store)
        "transcript": None, "span": None,  # events, and the span they go in
        "limits": None,  # turns, cost and working time counted so far
        "approval": None, "scorers": [], "sandboxes": None,
        "resources": None,  # resources of this sample alone
        "recorders": (),  # usage sinks of the model calls
        "call": None,  # what the model call under way did (retries, waits, bodies)
        "cache_epoch": None,
        "background": None,  # a deepagent's background agents (agent._dispatch)
        "long_lived": False,  # a task running a process for the rest of the sample
    }


# Each holds a dict of every field, never changed once set: a scope sets a copy with one
# field changed, so an asyncio task started earlier keeps what it saw. Plain dicts and the
# holder's bound `get` keep a field's get/set/reset cheap (several per model call).
_task: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "evalrunner_task", default=dict(TaskContext.DEFAULTS)
)
_sample: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "evalrunner_sample", default=dict(SampleContext.DEFAULTS)
)


class FieldToken:
    """What `ContextField.set` returns: the field's value before."""

    __slots__ = ("previous",)

    def __init__(self, previous: Any) -> None:
        self.previous = previous


class ContextField(Generic[T]):
    """One field of the task's or the sample's context, used like a ContextVar."""

    __slots__ = ("_get", "_holder", "name")

    def __init__(self, holder: contextvars.ContextVar[dict[str, Any]], name: str) -> None:
        self._holder = holder
        self._get = holder.get
        self.name = name

    def get(self) -> T:
        value: T = self._get()[self.name]
        return value

    def set(self, value: T) -> FieldToken:
        current = self._get()
        values = current.copy()
        values[self.name] = value
        self._holder.set(values)
        return FieldToken(current[self.name])

    def reset(self, token: FieldToken) -> None:
        values = self._get().copy()
        values[self.name] = token.previous
        self._holder.set(values)


def task_field(name: str) -> ContextField[Any]:
    """A field of the task's context (see TaskContext.DEFAULTS for the names)."""
    if name not in TaskContext.DEFAULTS:
        raise KeyError(f"no task context field '{name}'")
    return ContextField(_task, name)


def sample_field(name: str) -> ContextField[Any]:
    """A field of the sample's context (see SampleContext.DEFAULTS for the names)."""
    if name not in SampleContext.DEFAULTS:
        raise KeyError(f"no sample context field '{name}'")
    return ContextField(_sample, name)
