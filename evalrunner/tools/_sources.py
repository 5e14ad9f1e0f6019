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
    """The tools with every source replaced by the tools it provides now.

    A source's tool may not take a name another tool of the sample has: an MCP server
    offering `think` would silently replace the built-in (and be approved by its rule), so
    that is refused, naming the server and how to rename its tools (`prefix`)."""
    out: list[Any] = []
    owners: dict[str, str] = {}  # tool name -> where it came from
    for item in tools:
        if not hasattr(item, "info") and isinstance(item, ToolSource):
            continue
        name = _name(item)
        if name is not None:
            owners.setdefault(name, "the suite")
    for item in tools:
        if hasattr(item, "info") or not isinstance(item, ToolSource):
            out.append(item)
            continue
        label = f"the tool source {getattr(item, 'label', type(item).__name__)}"
        for tool in await item.tools():
            name = _name(tool)
            if name is not None and name in owners:
                raise ValueError(
                    f"{label} offers a tool named '{name}', a name {owners[name]} already "
                    "gives a tool of this sample: give the server a prefix (prefix: NAME) or "
                    "leave the tool out (tools: [...])")
            if name is not None:
                owners[name] = label
            out.append(tool)
    return out


def _name(tool: Any) -> str | None:
    name = getattr(getattr(tool, "info", None), "name", None)
    return name if isinstance(name, str) else None
