"""Loading a Python task file: its `@task` functions, called with `-T` arguments.

`-T name=value` is read as YAML, then checked against the parameter's annotation (an
`int` parameter refuses `abc`); a name no task of the file takes is an error, located at
the first task function, as an unknown param of a suite is located at its `params:`.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import inspect
import re
import textwrap
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml

from ..suite._model import SourcePos, SpecError, SpecErrors, Suite, TaskDef
from ..template import template_search
from ._convert import TaskProblems, task_def
from ._task import Task, task_name_of

# A `@task` or `@task(...)` decorator line (also `@evalrunner.task`): the file holds tasks.
TASK_DECORATOR = re.compile(r"^[ \t]*@(?:[\w.]+\.)?task\b", re.MULTILINE)


def is_task_file(path: Path) -> bool:
    """Whether a Python file defines tasks (found when searching a folder)."""
    try:
        return TASK_DECORATOR.search(path.read_text(encoding="utf-8", errors="replace")) \
            is not None
    except OSError:
        return False


def load_task_file(path: Path, overrides: Mapping[str, str] | None = None) -> Suite:
    """The tasks of a Python file, each made by calling its function with the `-T`
    arguments it takes; raises SpecErrors holding every error found. Under
    `validate --no-code` the file is not imported: no task, and the file is named."""
    from ..registry import CodeNotImported, load_python_file, refuse_code

    file = str(path)
    try:
        refuse_code(file)  # `validate --no-code`: its tasks are made by running it
    except CodeNotImported:
        return Suite(file=path, name=path.stem, description=None, tasks=[], file_hash="")
    try:
        content = path.read_bytes()
        with template_search(path.parent):
            module = load_python_file(path)
    except SpecErrors:
        raise
    except Exception as ex:  # the file does not import: where it failed, if in this file
        raise SpecErrors([SpecError(_raised_at(ex, path), f"{type(ex).__name__}: {ex}")]) \
            from None
    functions = _task_functions(module, path)
    if not functions:
        raise SpecErrors([SpecError(SourcePos(file, 1, 1), "no @task function in this file")])
    given = dict(overrides or {})
    errors = _unknown_args(given, functions, path)
    tasks: list[TaskDef] = []
    for fn in functions:
        pos = _def_pos(fn, path)
        args, problems = _arguments(fn, given, path)
        errors.extend(problems)
        if problems:
            continue
        try:
            with template_search(path.parent):
                made = fn(**args)
            tasks.append(task_def(made, path, pos))
        except TaskProblems as ex:
            errors.extend(ex.errors)
        except Exception as ex:
            errors.append(SpecError(pos, f"task '{task_name_of(fn)}': {type(ex).__name__}: "
                                         f"{ex}"))
    if errors:
        raise SpecErrors(errors)
    return Suite(file=path, name=path.stem, description=module.__doc__, tasks=tasks,
                 file_hash=hashlib.sha256(content).hexdigest())


def _raised_at(ex: BaseException, path: Path) -> SourcePos:
    """Where in `path` an import failed: a syntax error's place, else the deepest frame of
    the traceback in the file, else its first line."""
    if isinstance(ex, SyntaxError) and ex.lineno and ex.filename and \
            Path(ex.filename).resolve() == path.resolve():
        return SourcePos(str(path), ex.lineno, ex.offset or 1)
    line = 1
    trace = ex.__traceback__
    while trace is not None:
        if Path(trace.tb_frame.f_code.co_filename).resolve() == path.resolve():
            line = trace.tb_lineno
        trace = trace.tb_next
    return SourcePos(str(path), line, 1)


def _task_functions(module: Any, path: Path) -> list[Callable[..., Task]]:
    """The @task functions defined in the file (not ones it imports), in file order."""
    found = []
    for value in vars(module).values():
        if task_name_of(value) is None:
            continue
        inner = inspect.unwrap(value)
        source = inspect.getsourcefile(inner)
        if source is not None and Path(source).resolve() == path.resolve():
            found.append(value)
    return sorted(found, key=lambda fn: inspect.unwrap(fn).__code__.co_firstlineno)


def _def_pos(fn: Callable[..., Any], path: Path) -> SourcePos:
    code = inspect.unwrap(fn).__code__
    return SourcePos(str(path), code.co_firstlineno, 1)


def _param_pos(fn: Callable[..., Any], name: str, path: Path) -> SourcePos:
    """Where a parameter is written in the function's signature (else the def line)."""
    inner = inspect.unwrap(fn)
    try:
        lines, first = inspect.getsourcelines(inner)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, SyntaxError):
        return _def_pos(fn, path)
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.arg == name:
            return SourcePos(str(path), first + node.lineno - 1, node.col_offset + 1)
    return _def_pos(fn, path)


def _accepts(fn: Callable[..., Any]) -> tuple[dict[str, inspect.Parameter], bool]:
    params = inspect.signature(fn).parameters
    named = {k: p for k, p in params.items()
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    return named, any(p.kind == p.VAR_KEYWORD for p in params.values())


def _unknown_args(given: Mapping[str, str], functions: list[Callable[..., Task]],
                  path: Path) -> list[SpecError]:
    known: set[str] = set()
    for fn in functions:
        named, takes_any = _accepts(fn)
        if takes_any:
            return []
        known |= set(named)
    errors = []
    for name in given:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        listing = f"parameters: {', '.join(sorted(known))}" if known else \
            "its tasks take no parameters"
        errors.append(SpecError(_def_pos(functions[0], path),
                                f"-T {name}: no task of this file takes it ({hint}{listing})"))
    return errors


def _arguments(fn: Callable[..., Any], given: Mapping[str, str], path: Path
               ) -> tuple[dict[str, Any], list[SpecError]]:
    """The `-T` values this function takes, typed from its annotations."""
    named, takes_any = _accepts(fn)
    hints = _hints(fn)
    args: dict[str, Any] = {}
    errors: list[SpecError] = []
    for name, text in given.items():
        if name not in named and not takes_any:
            continue
        try:
            args[name] = coerce(text, hints.get(name, inspect.Parameter.empty))
        except ValueError as ex:
            errors.append(SpecError(_param_pos(fn, name, path),
                                    f"-T {name}={text}: {ex} (task '{task_name_of(fn)}')"))
    return args, errors


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    import typing

    try:
        return typing.get_type_hints(inspect.unwrap(fn))
    except Exception:  # an annotation that does not evaluate: the text is taken as YAML
        return {}


def coerce(text: str, annotation: Any) -> Any:
    """A `-T` value for a parameter annotated `annotation`; ValueError if it does not fit."""
    try:
        value = yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        value = text
    if annotation is inspect.Parameter.empty or annotation is Any:
        return value
    return _fit(value, text, annotation)


def _fit(value: Any, text: str, annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = get_args(annotation)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _fit(value, text, option)
            except ValueError:
                pass
        raise ValueError(f"expected {_describe(annotation)}")
    if origin is Literal:
        for choice in get_args(annotation):
            if value == choice or text == str(choice):
                return choice
        raise ValueError(f"expected one of {', '.join(repr(c) for c in get_args(annotation))}")
    if annotation is str:  # `-T n=007` stays "007"; a quoted (or logged JSON) string unquoted
        return value if isinstance(value, str) else text
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif origin in (list, tuple, set) or annotation in (list, tuple, set):
        items = value if isinstance(value, list) else [value]
        inner = get_args(annotation)
        if inner and origin is list:
            items = [_fit(v, str(v), inner[0]) for v in items]
        return (origin or annotation)(items)
    elif origin is dict or annotation is dict:
        if isinstance(value, dict):
            return value
    else:
        return value  # a type we cannot check from text: the function sees the YAML value
    raise ValueError(f"expected {_describe(annotation)}")


def _describe(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
