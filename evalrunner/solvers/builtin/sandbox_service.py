"""`sandbox_service`: serve Python functions of the task to code in the sample's sandbox for
the rest of the sample (see `evalrunner.sandbox.serve`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from ...tools._lifetime import shared
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._entries import make_function


@solver
def sandbox_service(name: str, methods: list[str] | dict[str, str],
                    sandbox: str | None = None) -> Solver:
    """Serve `methods` (functions named `file.py@fn`, a list or a mapping of method names to
    them) as the service `name`: code in the sandbox imports the module `name` from
    `/tmp/evalrunner-services` and calls them. The service ends with the sample."""
    from ...sandbox._service import _table

    named = methods if isinstance(methods, dict) else {m.rpartition("@")[2]: m for m in methods}
    table = _table(name, {method: make_function(fn) for method, fn in named.items()})

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        from ...sandbox._service import serve

        async def make() -> tuple[str, Callable[[], Awaitable[None]]]:
            block: AbstractAsyncContextManager[str] = serve(name, table, sandbox)
            module = await block.__aenter__()

            async def close() -> None:
                await block.__aexit__(None, None, None)

            return module, close

        await shared(("sandbox-service", name, sandbox), "sample", make)
        return state

    return solve


