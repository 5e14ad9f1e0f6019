"""Command-line changes to compiled tasks: `--solver NAME -S k=v`, `--epochs-reducer`,
`--sandbox` and `--approval` (the last two in `_override_env`).

Both are compiled by the same code as a suite's own `solver:` and `epochs: {reducer:}`
entries (written as a tiny YAML document), so a wrong name or argument gets the same
error a suite would, located at the option, before any model is called.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ._compile import resolved_hash
from ._components import compile_entry, resolve_name
from ._model import SpecError, TaskDef
from ._override_env import approval_option, sandbox_option
from ._report import Reporter
from ._yaml import read_yaml


@dataclasses.dataclass
class PlanOverride:
    """What the command line changes in every task it runs."""

    solver: str | None = None
    solver_args: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    epochs_reducer: Sequence[str] | None = None
    sandbox: str | None = None  # --sandbox TYPE[:CONFIG]: every task's sandbox
    approval: str | None = None  # --approval FILE: every task's approval policy
    cwd: Path = dataclasses.field(default_factory=Path.cwd)  # where the options' files are

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.solver, self.epochs_reducer, self.sandbox,
                                           self.approval))


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
    sandbox, approval = task.sandbox, task.approval
    if override.sandbox is not None:
        sandbox, found = sandbox_option(override.sandbox, override.cwd)
        errors.extend(found)
    if override.approval is not None:
        rules, found = approval_option(override.approval, override.cwd)
        errors.extend(found)
        approval = rules or {}
    if not errors:
        task.plan = plan
        task.sandbox, task.approval = sandbox, approval
        task.epochs = dataclasses.replace(task.epochs, reducers=reducers)
        task.resolved_hash = resolved_hash(task)
    return errors


def _reporter(option: str, data: Any) -> Reporter:
    # The option's value as a YAML document: errors point into it (`--solver:1:3`).
    text = yaml.safe_dump(data, default_flow_style=True, sort_keys=False).strip()
    return Reporter(read_yaml(text, option))
