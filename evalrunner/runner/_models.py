"""Several models per run: every task runs once per model, each run with its own options.

`--model a,b` (or `--model a --model b`, or `model: [a, b]` in a suite) names the models.
`-M key=value` and `--model-role role=name` apply to every model; `-M a:key=value` (and
`--model-role a:role=name`) only to the model named `a` (its full name, or the part after
its provider, or its last path part). A suite's `model_args` apply to the models it names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from ..suite._model import TaskDef
from ._options import RunOptions


class ModelScopeError(ValueError):
    """A `-M model:key=value` whose model is not one of the run's models."""


def split_models(values: Iterable[str | None]) -> list[str]:
    """`("a,b", "c")` -> `["a", "b", "c"]`: commas and repeats both list models (deduped)."""
    names = [n.strip() for value in values if value for n in value.split(",")]
    return list(dict.fromkeys(n for n in names if n))


def matches(scope: str, model: str) -> bool:
    """Whether `-M scope:key=v` addresses `model` (full name, name after the provider,
    or last path part)."""
    return scope == model or model.endswith("/" + scope)


def split_scope(key: str) -> tuple[str | None, str]:
    """`"a:temperature"` -> `("a", "temperature")`; an unscoped key has no model."""
    scope, sep, name = key.rpartition(":")
    return (scope, name) if sep and scope and name else (None, key)


def check_scopes(pairs: dict[str, Any], models: Sequence[str], what: str) -> list[str]:
    """Errors for scoped keys that name none of `models` (all of them, not the first)."""
    errors = []
    for key in pairs:
        scope, _ = split_scope(key)
        if scope is not None and not any(matches(scope, m) for m in models):
            known = ", ".join(models) or "none"
            errors.append(f"{what} '{key}': '{scope}' is not one of the models ({known})")
    return errors


def for_model(pairs: dict[str, Any], model: str) -> dict[str, Any]:
    """The pairs that apply to `model`: unscoped ones, then its own (which win)."""
    shared = {k: v for k, v in pairs.items() if split_scope(k)[0] is None}
    own = {}
    for key, value in pairs.items():
        scope, name = split_scope(key)
        if scope is not None and matches(scope, model):
            own[name] = value
    return {**shared, **own}


def task_models(task: TaskDef, options: RunOptions) -> list[str | None]:
    """The models a task runs on: the run's, else the suite's list or single model."""
    if task.run_models:
        return [task.model]  # compiled for this one model of several
    if options.model:
        return list(split_models([options.model]))  # "a,b" from an API caller is two
    if options.models:
        return list(options.models)
    if task.models:
        return list(task.models)
    return [task.model]


def _args_for(task: TaskDef, model: str | None) -> TaskDef:
    """The task as it runs on `model`: a suite's `model_args` were written for the models
    it names (a mockllm script, a local model's file), not for one `--model` brings in."""
    declared = [task.model, *task.models]
    if not task.model_args or not any(declared) or model in declared:
        return task
    return dataclasses.replace(task, model_args={})


def task_runs(tasks: Sequence[TaskDef], options: RunOptions) -> list[tuple[TaskDef, RunOptions]]:
    """One (task, options) per task and model, options narrowed to that model.

    Raises ModelScopeError when a scoped `-M`/`--model-role` names no model of the run.
    """
    runs: list[tuple[TaskDef, RunOptions]] = []
    errors: list[str] = []
    for task in tasks:
        models = task_models(task, options)
        named = task.run_models or [m for m in models if m]
        errors += check_scopes(options.model_args, named, "-M")
        errors += check_scopes(options.model_roles, named, "--model-role")
        for model in models:
            runs.append((_args_for(task, model), dataclasses.replace(
                options, model=model, models=named if len(named) > 1 else None,
                model_args=for_model(options.model_args, model or ""),
                model_roles=for_model(options.model_roles, model or ""),
            )))
    if errors:
        raise ModelScopeError("\n".join(dict.fromkeys(errors)))
    return runs
