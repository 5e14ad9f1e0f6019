"""`use_tools`: make tools available to the model, and say whether it must use them."""

from __future__ import annotations

from typing import Any

from ...model._chat import ChatMessageSystem
from ...tools._info import ToolChoice, ToolFunction
from ...tools._sources import resolve_tools
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._entries import make_tools

_CHOICES = ("auto", "none", "any")


@solver(component_args={"tools": "tool"})
def use_tools(
    tools: Any = None, *more: Any, tool_choice: str | None = "auto", append: bool = False
) -> Solver:
    """Set the tools of the state (or add them, with `append`) and the tool choice.

    `tools` is a tool or a list of them: built-in names (`bash`), `file.py@name`, tools
    declared under `tools:` in the suite, or `{name: {arguments}}`. `tool_choice` is `auto`
    (the model decides), `none` (no tool), `any` (some tool) or a tool's name (that tool);
    None leaves it as it is. With no tools, only the tool choice changes. A tool's `prompt`
    is added to the system message.
    """
    made = make_tools([tools, *more])
    names = {tool.info.name for tool in made if hasattr(tool, "info")}  # not yet a source's
    choice = _choice(tool_choice, names, bool(made))

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if made:
            tools = await resolve_tools(made)
            given = {tool.info.name for tool in tools}
            kept = [t for t in state.tools if t.info.name not in given] if append else []
            state.tools = [*kept, *tools]
            _add_prompts(state, tools)
        if choice is not None:
            state.tool_choice = choice
        return state

    return solve


def _choice(value: str | None, names: set[str], have_tools: bool) -> ToolChoice | None:
    if value is None or value in _CHOICES:
        return value  # type: ignore[return-value]
    if have_tools and value not in names:
        raise ValueError(f"tool_choice '{value}' is none of auto, none, any or the tools given "
                         f"({', '.join(sorted(names))})")
    return ToolFunction(name=value)


def _add_prompts(state: TaskState, tools: list[Any]) -> None:
    prompts = [p for t in tools if (p := getattr(t, "prompt", None))]
    if not prompts:
        return
    text = "\n\n".join(str(p).strip() for p in prompts)
    for message in state.messages:
        if isinstance(message, ChatMessageSystem):
            if text not in message.text:
                message.text = f"{message.text}\n\n{text}"
            return
    state.messages.insert(0, ChatMessageSystem(content=text))
