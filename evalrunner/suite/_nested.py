"""Components inside components (`chain: [...]`, `use_tools: [bash]`), and tools declared in YAML.

A solver names the parameters that take other components in its `component_args` metadata
(`{"solvers": "solver", "tools": "tool"}`); those values are checked here like plan entries,
at their own position, so `evalrunner validate` finds a misspelt tool inside `basic_agent`.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..model._config import GenerateConfig
from ..solvers.builtin._entries import names_function
from ..template import template_search
from ._components import compile_entry, resolve_name
from ._model import ComponentRef
from ._report import Reporter
from ._yaml import Path_


def check_nested(ref: ComponentRef, path: Path_, rep: Reporter, base_dir: Path) -> None:
    """Check the component entries inside `ref`'s arguments (`path` is the entry's name key)."""
    if ref.info.metadata.get("config_kwargs"):
        _check_config(ref, path, rep, base_dir)
    nested: dict[str, str] = ref.info.metadata.get("component_args") or {}
    if not nested:
        return
    given: dict[str, tuple[Any, Path_]] = {k: (v, (*path, k)) for k, v in ref.kwargs.items()}
    first = _first_positional(ref.info.obj)
    if ref.args and first is not None:
        given[first] = (ref.args[0], path)
    for param, kind in nested.items():
        if param not in given:
            continue
        value, where = given[param]
        items = (
            [(v, (*where, i)) for i, v in enumerate(value)] if isinstance(value, list)
            else [(value, where)]
        )
        for item, item_path in items:
            sub = _check_item(kind, item, item_path, rep, base_dir)
            if sub is not None:
                ref.nested.append(sub)


def _check_config(ref: ComponentRef, path: Path_, rep: Reporter, base_dir: Path) -> None:
    """The keyword arguments a factory passes on as generation config, checked as config."""
    try:
        params = inspect.signature(ref.info.obj).parameters
    except (TypeError, ValueError):
        return
    config = {k: v for k, v in ref.kwargs.items() if k not in params and not k.startswith("x-")}
    try:
        with template_search(base_dir):
            GenerateConfig.model_validate(config)
    except ValidationError as ex:
        for error in ex.errors():
            loc = tuple(str(p) for p in error["loc"])
            where: Path_ = (*path, *loc[:1])
            if len(loc) > 1 and rep.doc.pos((*where, loc[1])) != rep.doc.pos(where):
                where = (*where, loc[1])
            message = error["msg"].removeprefix("Value error, ")
            rep.error(where, f"{'.'.join(loc) or 'config'}: {message}", at_key=not loc)


def _check_item(
    kind: str, item: Any, path: Path_, rep: Reporter, base_dir: Path
) -> ComponentRef | None:
    if item is None:
        return None
    if kind == "text_or_function":  # a message or a mode, unless it names a function
        if not isinstance(item, str) or not names_function(item):
            return None
        kind = "function"
    if kind == "function":
        if not isinstance(item, str):
            rep.error(path, "expected the name of a Python function (file.py@name)")
            return None
        info = resolve_name("solver", item, path, rep, base_dir, at_key=False)
        if info is not None and not callable(info.obj):
            rep.error(path, f"'{item}' is not a function")
        return None
    sub = compile_entry(kind, item, path, rep, base_dir)  # type: ignore[arg-type]
    if sub is not None and isinstance(item, dict):
        check_nested(sub, (*path, sub.name), rep, base_dir)
    return sub


def _first_positional(obj: Any) -> str | None:
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
             inspect.Parameter.VAR_POSITIONAL)
    return next((p.name for p in params if p.kind in kinds), None)


def compile_tools(
    suite: dict[str, Any], raw: dict[str, Any], task_path: Path_, rep: Reporter,
    check_suite_level: bool,
) -> dict[str, dict[str, Any]]:
    """The tools a task declares: the suite's, then its own (same name: the task's wins)."""
    from ..tools._declared import declaration_problems

    out: dict[str, dict[str, Any]] = {}
    for where, tools, check in ((("tools",), suite.get("tools"), check_suite_level),
                                ((*task_path, "tools"), raw.get("tools"), True)):
        if not isinstance(tools, dict):
            continue
        for name, spec in tools.items():
            if name.startswith("x-") or not isinstance(spec, dict):
                continue
            if rep.failed_under((*where, name)):  # a schema error was reported for it
                continue
            if check:
                for sub, message in declaration_problems(spec):
                    rep.error((*where, name, *sub), f"tool '{name}': {message}",
                              at_key=not sub)
            out[name] = {k: v for k, v in spec.items() if not k.startswith("x-")}
    return out
