"""Loading one suite file: YAML with positions, params and -T, interpolation, schema, tasks.

Every step keeps going after a problem so that one run reports all of a file's errors.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._util.secrets import register_config_secrets
from ._compile import SuiteContext, compile_task
from ._interpolate import Interpolator, split_overrides
from ._model import SourcePos, SpecError, SpecErrors, Suite, TaskDef
from ._report import Reporter
from ._schema import check_schema
from ._yaml import YamlSyntaxError, read_yaml


def load_suite(
    path: Path,
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    model: str | None = None,
) -> Suite:
    """Load and compile a suite file; raises SpecErrors holding every error found in it.

    `model` is the run's `--model`: `${{ model }}` reads it (else the task's or the
    suite's `model:`, else "none"), so config can differ by model.
    """
    path = Path(path)
    file = str(path)
    try:
        content = path.read_bytes()
        text = content.decode("utf-8-sig")  # a leading BOM is not part of the YAML
    except OSError as ex:
        message = f"cannot read: {ex.strerror}"
        raise SpecErrors([SpecError(SourcePos(file, 1, 1), message)]) from None
    except UnicodeDecodeError as ex:
        message = f"not UTF-8 text: {ex.reason}"
        raise SpecErrors([SpecError(SourcePos(file, 1, 1), message)]) from None
    try:
        doc = read_yaml(text, file)
    except YamlSyntaxError as ex:
        raise SpecErrors([SpecError(ex.pos, ex.message)]) from None
    rep = Reporter(doc)
    if not isinstance(doc.data, dict):
        rep.error((), "a suite file is a mapping with a 'tasks' list")
        raise SpecErrors(rep.finish()[0])
    raw_name = doc.data.get("name")
    name = raw_name if isinstance(raw_name, str) else path.stem
    environment = dict(os.environ if env is None else env)
    suite_vars = {"name": name, "file": path.name, "dir": str(path.parent)}
    data, task_params = _interpolate(
        doc.data, dict(overrides or {}), environment, suite_vars, rep, model
    )
    register_config_secrets(data)  # before any of it is logged, printed or reported
    check_schema(data, rep)
    tasks = _compile_tasks(data, task_params, SuiteContext(rep, data, path, name, 0))
    errors, warnings = rep.finish()
    if errors:
        raise SpecErrors(sorted([*errors, *warnings], key=_order))
    description = data.get("description")
    return Suite(
        file=path,
        name=name,
        description=description if isinstance(description, str) else None,
        tasks=tasks,
        file_hash=hashlib.sha256(content).hexdigest(),
        warnings=warnings,
    )


def _order(error: SpecError) -> tuple[str, int, int]:
    return (error.pos.file, error.pos.line, error.pos.column)


def _interpolate(
    data: dict[str, Any],
    overrides: dict[str, str],
    env: dict[str, str],
    suite_vars: dict[str, str],
    rep: Reporter,
    model: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The interpolated document, and each task's params (suite's, task's, then -T).

    Params are read first, with `env` and `suite` only; suite-level keys then see the
    suite's params, and a task's keys see that task's params.
    """
    suite_model = model or _plain_name(data.get("model")) or "none"
    base: dict[str, Any] = {"env": env, "suite": suite_vars, "model": suite_model}
    plain = Interpolator(rep, base)
    raw_tasks = data.get("tasks")
    tasks = raw_tasks if isinstance(raw_tasks, list) else []
    suite_params = _as_dict(plain.walk(data.get("params", {}), ("params",)))
    own_params = [
        _as_dict(plain.walk(t.get("params", {}), ("tasks", i, "params")))
        if isinstance(t, dict) else {}
        for i, t in enumerate(tasks)
    ]
    suite_params, own_params = _apply_overrides(overrides, suite_params, own_params, rep)
    merged = [{**suite_params, **own} for own in own_params]
    outer = Interpolator(rep, {**base, "params": suite_params})
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "params":
            out[key] = suite_params if isinstance(value, dict) else value
        elif key == "tasks" and isinstance(raw_tasks, list):
            out[key] = [
                _task(t, i, own_params[i], merged[i],
                      {**base, "model": model or _plain_name(t.get("model")) or suite_model},
                      rep)
                if isinstance(t, dict)
                else outer.walk(t, ("tasks", i))
                for i, t in enumerate(raw_tasks)
            ]
        else:
            out[key] = outer.walk(value, (key,))
    return out, merged


def _task(raw: dict[str, Any], index: int, own: dict[str, Any], params: dict[str, Any],
          base: dict[str, Any], rep: Reporter) -> dict[str, Any]:
    inner = Interpolator(rep, {**base, "params": params})
    return {
        k: (own if isinstance(v, dict) else v) if k == "params"
        else inner.walk(v, ("tasks", index, k))
        for k, v in raw.items()
    }


def _apply_overrides(
    overrides: dict[str, str],
    suite_params: dict[str, Any],
    own_params: list[dict[str, Any]],
    rep: Reporter,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`-T` values replace declared params wherever they are declared."""
    declared: dict[str, Any] = dict(suite_params)
    for own in own_params:
        declared.update(own)
    values, unknown, warnings = split_overrides(overrides, declared)
    for name in unknown:
        known = sorted(declared)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        listing = f"known params: {', '.join(known)}" if known else "this suite has no params"
        rep.error(("params",), f"-T {name}: unknown param ({hint}{listing})", at_key=True)
    for warning in warnings:
        rep.warning(("params",), warning)

    def apply(params: dict[str, Any]) -> dict[str, Any]:
        return {k: values.get(k, v) for k, v in params.items()}

    return apply(suite_params), [apply(own) for own in own_params]


def _plain_name(value: Any) -> str | None:
    """A `model:` value written as a name (an expression cannot name itself)."""
    return value if isinstance(value, str) and "${{" not in value else None


def _as_dict(value: Any) -> dict[str, Any]:
    """Params as a mapping, without `x-` keys (they are notes, not params)."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if not k.startswith("x-")}


def _compile_tasks(
    data: dict[str, Any], params: list[dict[str, Any]], ctx: SuiteContext
) -> list[TaskDef]:
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, list):
        return []
    ctx.task_count = len(raw_tasks)
    tasks: list[TaskDef] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_tasks):
        if not isinstance(raw, dict):
            continue
        task = compile_task(i, raw, params[i], ctx)
        if task.name in seen and isinstance(raw.get("name"), str):
            ctx.rep.error(("tasks", i, "name"), f"task name '{task.name}' is already used by "
                                                f"task {seen[task.name] + 1}")
        seen.setdefault(task.name, i)
        tasks.append(task)
    return tasks
