"""`generate`: call the model being evaluated."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import ValidationError

from ...model._config import GenerateConfig
from .._solver import Generate, Solver, ToolCalls, solver
from .._task_state import TaskState


@solver(config_kwargs=True)
def generate(tool_calls: ToolCalls = "loop", **config: Any) -> Solver:
    """Generate a reply and append it; `config` overrides the generation config for this step.

    `tool_calls`: "loop" runs the tools the model calls and generates again until it calls
    none, "single" runs one round of tool calls, "none" runs no tool.
    """
    if tool_calls not in get_args(ToolCalls):
        raise ValueError(f"tool_calls must be one of {', '.join(get_args(ToolCalls))}")
    try:
        # An unknown or ill-typed key fails when the plan is made; a schema file is read once.
        config = GenerateConfig(**config).set_fields()
    except ValidationError as ex:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in ex.errors())
        raise ValueError(f"invalid generation config: {problems}") from None

    async def solve(state: TaskState, next_generate: Generate) -> TaskState:
        return await next_generate(state, tool_calls=tool_calls, **config)

    return solve
