"""Resources that live for a task or for a sample (MCP server connections), closed at its end.

The runner opens a scope per task and per sample; `shared()` gives the resource made for a
key in the requested scope, making it on first use. Outside any scope a resource is made for
the caller and closed by nobody: only the runner's scopes close things.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

from .._util.context import ContextField, sample_field, task_field

Lifetime = Literal["task", "sample"]
logger = logging.getLogger(__name__)


class Scope:
    """What one task or sample opened: resources by key, each with its close function."""

    def __init__(self) -> None:
        self.made: dict[Any, Any] = {}
        self.closers: list[Callable[[], Awaitable[None]]] = []
        self.lock = asyncio.Lock()


_scopes: dict[Lifetime, ContextField[Scope | None]] = {
    "task": task_field("resources"),
    "sample": sample_field("resources"),
}


@asynccontextmanager
async def resource_scope(lifetime: Lifetime) -> AsyncIterator[None]:
    """Resources made in the block for this lifetime are closed at its end, newest first."""
    scope = Scope()
    token = _scopes[lifetime].set(scope)
    try:
        yield
    finally:
        _scopes[lifetime].reset(token)
        for close in reversed(scope.closers):
            try:
                await close()
            except Exception as ex:  # one resource failing to close must not keep others open
                logger.warning("closing a %s resource failed: %s", lifetime, ex)


async def shared(key: Any, lifetime: Lifetime,
                 make: Callable[[], Awaitable[tuple[Any, Callable[[], Awaitable[None]]]]]) -> Any:
    """The resource for `key` in the current `lifetime` scope; `make` returns it and its closer."""
    scope = _scopes[lifetime].get()
    if scope is None:
        made, _ = await make()
        return made
    async with scope.lock:
        if key not in scope.made:
            made, close = await make()
            scope.made[key] = made
            scope.closers.append(close)
        return scope.made[key]
