"""Tool sources: entries that stand for several tools known only at run time (an MCP server).

A source has `async def tools() -> list[Tool]`; solvers that set a state's tools expand
sources with `resolve_tools` when they run.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class ToolSource(Protocol):
    async def tools(self) -> list[Any]: ...


async def resolve_tools(tools: list[Any]) -> list[Any]:
    """The tools with every source replaced by the tools it provides now."""
    out: list[Any] = []
    for item in tools:
        if hasattr(item, "info"):
            out.append(item)
        elif isinstance(item, ToolSource):
            out.extend(await item.tools())
        else:
            out.append(item)
    return out
