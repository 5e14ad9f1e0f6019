"""From command-line paths to checked tasks: every input error found before any model call."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..spec import SourcePos, SpecError, SpecErrors, TaskDef
from ..spec._override import PlanOverride, apply_override


def load_tasks(
    paths: Sequence[str],
    overrides: dict[str, str],
    filters: Sequence[str] = (),
    deep: bool = True,
    override: PlanOverride | None = None,
    model: str | None = None,
) -> tuple[list[TaskDef], list[SpecError]]:
    """Load, filter and (with `deep`) check datasets and templates of every suite.

    `override` (`--solver`, `--epochs-reducer`) changes every task before it is checked;
    `model` is the run's `--model`, which `${{ model }}` reads.

    Returns the tasks and the warnings; raises SpecErrors holding every error of every file.
    """
    from ..spec import find_suites, load_suite

    errors: list[SpecError] = []
    warnings: list[SpecError] = []
    missing = [p for p in paths if not Path(p).exists()]
    for p in missing:
        errors.append(SpecError(SourcePos(p, 1, 1), "no such file or folder"))
    files = find_suites([Path(p) for p in paths if p not in missing])
    if not files and not missing:
        where = SourcePos(str(paths[0] if paths else "."), 1, 1)
        errors.append(SpecError(where, "no suites found"))
    tasks: list[TaskDef] = []
    for file in files:
        try:
            suite = load_suite(file, overrides, model=model)
        except SpecErrors as ex:
            errors.extend(ex.errors)
            continue
        warnings.extend(suite.warnings)
        tasks.extend(t for t in suite.tasks if matches(t, filters))
    if override:
        found = [e for task in tasks for e in apply_override(task, override)]
        # The same wrong option is wrong for every task: say it once.
        errors.extend({str(e): e for e in found}.values())
    if deep:
        for task in tasks:
            errors.extend(check_task(task))
    if errors:
        raise SpecErrors(errors)
    return tasks, warnings


def check_task(task: TaskDef) -> list[SpecError]:
    """Dataset and template problems of a compiled task, located at the task."""
    from ..dataset import check_dataset
    from ..spec import check_templates

    pos = task.dataset_pos or task.pos or SourcePos(str(task.suite_file), 1, 1)
    problems, fields = check_dataset(task.dataset, task.base_dir, task.sandbox is not None)
    errors = [SpecError(pos, f"dataset: {p}") for p in problems]
    errors.extend(check_templates(task, fields if not problems else None))
    return errors


def matches(task: TaskDef, filters: Sequence[str]) -> bool:
    """`-F tag` keeps tasks with that tag; `-F key=value` compares an attribute (all must hold)."""
    import yaml

    for item in filters:
        key, sep, raw = item.partition("=")
        if not sep:
            if key not in task.tags:
                return False
            continue
        value: Any = yaml.safe_load(raw) if raw else ""
        actual = task.name if key == "name" else task.attrs.get(key, task.attrs.get(f"x-{key}"))
        if actual != value and str(actual) != raw:
            return False
    return True
