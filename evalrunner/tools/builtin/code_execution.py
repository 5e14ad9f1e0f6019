"""`code_execution`: code run by the model's provider where it offers that, else `python`.

`providers` maps provider names to their options (or `false`, to not use that one):
`openai` (Responses' `code_interpreter`; options such as `container` go into the tool),
`anthropic` (the `code_execution` server tool), `google` (Gemini's `codeExecution`), and
`python`, the fallback any other model gets: the `python` tool in the sample's sandbox
(options `timeout`, `sandbox`). By default all four. The provider runs the code on its own
servers and answers with its result; the model event's `call.response` keeps the code and
its output.
"""

from __future__ import annotations

from typing import Any

from .._decorator import tool
from .._tool import ToolError
from .python import python

NATIVE = ("openai", "anthropic", "google")
_KNOWN = (*NATIVE, "python")

Providers = dict[str, dict[str, Any] | bool | None] | list[str] | None


@tool
def code_execution(providers: Providers = None) -> Any:
    """A tool that runs code: the provider's own code execution, else Python in the sandbox."""
    chosen = _providers(providers)
    fallback = chosen.get("python")
    run = (python(timeout=float(fallback.get("timeout", 180)), sandbox=fallback.get("sandbox"))
           if fallback is not None else None)

    async def execute(code: str) -> str:
        """Run a Python program and return its output. Each run starts afresh: use print()
        to see values.

        Args:
            code: The Python code to run.
        """
        if run is None:
            raise ToolError("code_execution: this model has no code execution of its own "
                            "and the python fallback is turned off")
        return str(await run(code))

    execute.native = {name: opts for name, opts in chosen.items()  # type: ignore[attr-defined]
                      if name in NATIVE} or None
    return execute


def _providers(value: Providers) -> dict[str, dict[str, Any]]:
    """The providers in use with their options: every one unless turned off or, given as a
    list, only those listed."""
    if isinstance(value, list):
        items: dict[str, Any] = {name: {} for name in value}
        chosen: dict[str, dict[str, Any]] = {}
    else:
        items = dict(value or {})
        chosen = {name: {} for name in _KNOWN}
    for name, options in items.items():
        if name not in _KNOWN:
            raise ValueError(f"unknown code_execution provider '{name}' "
                             f"(known: {', '.join(_KNOWN)})")
        if options is False:
            chosen.pop(name, None)
        elif options is None or options is True:
            chosen[name] = {}
        elif isinstance(options, dict):
            chosen[name] = dict(options)
        else:
            raise ValueError(f"code_execution provider '{name}': options must be a mapping "
                             "or false")
    if not chosen:
        raise ValueError("code_execution needs at least one provider")
    return chosen
