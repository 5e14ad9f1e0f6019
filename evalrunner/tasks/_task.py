"""`Task`, `@task`, `task_with` and `Epochs`: tasks written in Python, as Inspect writes them.

A `Task` only holds what it was given; `_convert.task_def` turns it into the `TaskDef` a
YAML task compiles to, so both kinds go through the same preflight, session and log.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])

# Set on a function decorated with @task: the task's registered name.
TASK_NAME = "__task_name__"


@dataclass
class Epochs:
    """How many times each sample runs, and how its epochs' scores are combined."""

    epochs: int
    reducer: str | Sequence[str] | Callable[..., Any] | Sequence[Callable[..., Any]] | None = None


class Task:
    """A dataset, a plan of solvers and the scorers, with the options of a run.

    The keyword names and meanings are Inspect's: `solver` is one solver or a list (a
    plan), `scorer` one or a list, `setup` runs before the solvers (also when `--solver`
    replaces them), `cleanup(state)` after the scorers of every sample.
    """

    def __init__(
        self,
        dataset: Any = None,
        setup: Any = None,
        solver: Any = None,
        cleanup: Callable[..., Any] | None = None,
        scorer: Any = None,
        metrics: Any = None,
        model: Any = None,
        config: Any = None,
        model_roles: dict[str, Any] | None = None,
        sandbox: Any = None,
        approval: Any = None,
        epochs: int | Epochs | None = None,
        fail_on_error: bool | float | None = None,
        message_limit: int | None = None,
        token_limit: int | None = None,
        time_limit: float | None = None,
        working_limit: float | None = None,
        cost_limit: float | None = None,
        name: str | None = None,
        display_name: str | None = None,
        version: int | str = 0,
        metadata: dict[str, Any] | None = None,
        tags: Sequence[str] | None = None,
    ) -> None:
        self.dataset = dataset
        self.setup = setup
        self.solver = solver
        self.cleanup = cleanup
        self.scorer = scorer
        self.metrics = metrics
        self.model = model
        self.config = config
        self.model_roles = dict(model_roles or {})
        self.sandbox = sandbox
        self.approval = approval
        self.epochs = epochs
        self.fail_on_error = fail_on_error
        self.message_limit = message_limit
        self.token_limit = token_limit
        self.time_limit = time_limit
        self.working_limit = working_limit
        self.cost_limit = cost_limit
        self._name = name
        self.display_name = display_name
        self.version = version
        self.metadata = dict(metadata or {})
        self.tags = list(tags or [])
        # Set by @task: the function's file and the arguments it was called with.
        self.file: str | None = None
        self.args: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self._name or "task"

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    def __repr__(self) -> str:
        return f"Task(name={self.name!r})"


@overload
def task(fn: F, /) -> F: ...
@overload
def task(*, name: str | None = None, **attribs: Any) -> Callable[[F], F]: ...


def task(fn: Any = None, /, *, name: str | None = None, **attribs: Any) -> Any:
    """Mark a function returning a `Task` as a task: `evalrunner run file.py` finds it.

    The task is named after the function (or `name=`); keyword `attribs` become its
    metadata. Calling the function gives the Task, recording the arguments as its params.
    """

    def wrap(factory: F) -> F:
        task_name = name or factory.__name__
        signature = inspect.signature(factory)

        @functools.wraps(factory)
        def create(*args: Any, **kwargs: Any) -> Task:
            made = factory(*args, **kwargs)
            if not isinstance(made, Task):
                raise TypeError(f"@task {task_name} returned {type(made).__name__}, not a Task")
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            if made._name is None:
                made.name = task_name
            made.args = {k: v for k, v in bound.arguments.items()
                         if signature.parameters[k].kind not in (
                             inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)}
            made.metadata = {**attribs, **made.metadata}
            made.file = inspect.getsourcefile(factory)
            return made

        setattr(create, TASK_NAME, task_name)
        return create  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap


def task_with(task: Task, *, name: str | None = None, **changes: Any) -> Task:
    """A copy of `task` with some of its constructor arguments replaced (Inspect's
    `task_with`); the original is unchanged."""
    made = copy.copy(task)
    known = inspect.signature(Task.__init__).parameters
    for key, value in changes.items():
        if key not in known or key in ("self", "name"):
            raise TypeError(f"task_with() got an unexpected keyword argument '{key}'")
        setattr(made, key, value)
    if name is not None:
        made.name = name
    made.metadata = dict(made.metadata)
    made.args = dict(made.args)
    return made


def task_name_of(obj: Any) -> str | None:
    """The registered name of a @task function, else None."""
    value = getattr(obj, TASK_NAME, None)
    return value if isinstance(value, str) else None
