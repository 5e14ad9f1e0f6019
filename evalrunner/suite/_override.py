"""Command-line changes to compiled tasks: `--solver NAME -S k=v` and `--epochs-reducer`.

Both are compiled by the same code as a suite's own `solver:` and `epochs: {reducer:}`
entries (written as a tiny YAML document), so a wrong name or argument gets the same
error a suite would, located at the option, before any model is called.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from ._compile import resolved_hash
from ._components import compile_entry, resolve_name
from ._model import SpecError, TaskDef
from ._report import Reporter
from ._yaml import read_yaml


@dataclasses.dataclass
class PlanOverride:
    """What the command line changes in every task it runs."""

    solver: str | None = None
    solver_args: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    epochs_reducer: Sequence[str] | None = None

    def __bool__(self) -> bool:
        return self.solver is not None or self.epochs_reducer is not None


def apply_override(task: TaskDef, override: PlanOverride) -> list[SpecError]:
    """Replace the task's plan and/or epoch reducers; returns the errors (task unchanged)."""
    errors: list[SpecError] = []
    plan = task.plan
    if override.solver is not None:
        entry: Any = {override.solver: dict(override.solver_args)} if override.solver_args \
            else override.solver
        rep = _reporter("--solver", [entry])
        ref = compile_entry("solver", entry, (0,), rep, task.base_dir)
        found, _ = rep.finish()
        errors.extend(found)
        if ref is not None and not found:
            plan = [ref]
    reducers = task.epochs.reducers
    if override.epochs_reducer is not None:
        names = list(override.epochs_reducer)
        rep = _reporter("--epochs-reducer", names)
        for i, name in enumerate(names):
            resolve_name("reducer", name, (i,), rep, task.base_dir, at_key=False)
        found, _ = rep.finish()
        errors.extend(found)
        if not found:
            reducers = names
    if not errors:
        task.plan = plan
        task.epochs = dataclasses.replace(task.epochs, reducers=reducers)
        task.resolved_hash = resolved_hash(task)
    return errors


def _reporter(option: str, data: Any) -> Reporter:
    # The option's value as a YAML document: errors point into it (`--solver:1:3`).
    text = yaml.safe_dump(data, default_flow_style=True, sort_keys=False).strip()
    return Reporter(read_yaml(text, option))
