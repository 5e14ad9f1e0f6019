"""The `generate` function solvers receive: call the model, append, run tools."""

from __future__ import annotations

from typing import Any

from ..model._config import GenerateConfig
from ..model._get import get_model
from ..solvers._compaction import active_compaction, compact
from ..solvers._solver import ToolCalls
from ..solvers._task_state import TaskState
from ..solvers.builtin._agent_loop import run_tool_calls
from ..tools._info import ToolFunction


async def task_generate(
    state: TaskState, tool_calls: ToolCalls = "loop", **config: Any
) -> TaskState:
    """Generate with the evaluated model; with tools, loop until the model stops calling them."""
    model = get_model()
    cfg = GenerateConfig(**config) if config else None
    tool_choice = state.tool_choice
    while True:
        tools = [tool.info for tool in state.tools]
        compaction = active_compaction.get()
        if compaction is not None:
            state.messages, record = await compact(state.messages, compaction)
            if record is not None:
                state.compactions.append(record)
        output = await model.generate(state.messages, tools, tool_choice, cfg)
        state.output = output
        state.messages.append(output.message)
        if output.usage is not None:
            state.token_usage = state.token_usage + output.usage
        calls = output.message.tool_calls
        if not calls or tool_calls == "none" or state.completed:
            return state
        max_output = (cfg.max_tool_output if cfg else None) or model.config.max_tool_output
        await run_tool_calls(state, output.message, state.tools, max_output)
        if tool_calls == "single" or state.completed:
            return state
        # A forced choice ("any" or a named tool) holds for the first turn only: kept, it
        # would make the model call tools forever and never answer.
        if tool_choice == "any" or isinstance(tool_choice, ToolFunction):
            tool_choice = "auto"
