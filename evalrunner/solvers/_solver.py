"""The solver protocol and its decorator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol, TypeVar, overload

from ..registry._decorators import registering_decorator
from ._task_state import TaskState

ToolCalls = Literal["loop", "single", "none"]


class Generate(Protocol):
    """Calls the model on a state, appends its reply, sets `state.output`."""

    async def __call__(
        self, state: TaskState, tool_calls: ToolCalls = "loop", **config: Any
    ) -> TaskState: ...


Solver = Callable[[TaskState, Generate], Awaitable[TaskState]]

F = TypeVar("F", bound=Callable[..., Solver])


@overload
def solver(fn: F) -> F: ...
@overload
def solver(
    fn: None = None,
    *,
    name: str | None = None,
    template_vars: tuple[str, ...] = (),
    template_args: tuple[str, ...] = (),
    component_args: dict[str, str] | None = None,
    config_kwargs: bool = False,
) -> Callable[[F], F]: ...
def solver(
    fn: F | None = None,
    *,
    name: str | None = None,
    template_vars: tuple[str, ...] = (),
    template_args: tuple[str, ...] = (),
    component_args: dict[str, str] | None = None,
    config_kwargs: bool = False,
) -> Any:
    """Register a solver factory: a function that returns `async def solve(state, generate)`.

    `template_vars` names the variables the solver adds to the templates it renders,
    so `validate` can check a template uses only names that will exist; `template_args`
    names the parameters that take a template (a file name or the template text);
    `component_args` names the parameters that take other components, with their kind
    (`{"solvers": "solver", "tools": "tool"}`; `function` for a `file.py@name`,
    `text_or_function` for a text that may name one), so a suite checks those entries too;
    `config_kwargs` says the factory's `**kwargs` are generation config, checked at load.
    """
    return registering_decorator(
        "solver", fn, name, template_vars=template_vars, template_args=template_args,
        component_args=dict(component_args or {}), config_kwargs=config_kwargs,
    )
