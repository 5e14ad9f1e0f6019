"""From paths as a user types them to tasks: suite files, folders, `file.yml@task`, filters."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._model import SourcePos, SpecError, SpecErrors, Suite, TaskDef
from ._override import PlanOverride, apply_override


def split_task_path(path: str) -> tuple[str, str | None]:
    """`suite.yml@task` -> (`suite.yml`, `task`); any other path -> (path, None).

    A path that exists as written is a path, even with an `@` in it.
    """
    file, sep, task = path.rpartition("@")
    if not sep or not file or not task or Path(path).exists():
        return path, None
    return file, task


def load_tasks(
    paths: Sequence[str], overrides: dict[str, str], filters: Sequence[str] = (),
    override: PlanOverride | None = None, model: str | None = None,
    models: Sequence[str] = (),
) -> tuple[list[TaskDef], list[SpecError]]:
    """Load the suites that paths name and keep the tasks they select and filters keep.

    `override` (`--solver`, `--epochs-reducer`) changes every task kept; `model` is the
    run's `--model`, which `${{ model }}` reads; `models` are the run's several models
    (`--model a,b`), for each of which a suite that reads `${{ model }}` is compiled apart.

    Returns the tasks and the warnings; raises SpecErrors holding every error of every file.
    """
    from ._find import find_suites

    errors: list[SpecError] = []
    warnings: list[SpecError] = []
    wanted: dict[Path, set[str] | None] = {}  # a file and the task names it was given with
    for raw in paths:
        path, task = split_task_path(raw)
        if not Path(path).exists():
            errors.append(SpecError(SourcePos(path, 1, 1), "no such file or folder"))
            continue
        for file in find_suites([Path(path)]):
            names = wanted.setdefault(file, set() if task else None)
            if names is not None and task is not None:
                names.add(task)
            elif task is None:
                wanted[file] = None  # the whole file was asked for too
    if not wanted and not errors:
        where = SourcePos(str(paths[0] if paths else "."), 1, 1)
        errors.append(SpecError(where, "no suites found"))
    tasks: list[TaskDef] = []
    for file in sorted(wanted):
        try:
            suite = load_file(file, overrides, model=model)
        except SpecErrors as ex:
            errors.extend(ex.errors)
            continue
        warnings.extend(suite.warnings)
        names = wanted[file]
        errors.extend(_unknown_tasks(file, names or set(), [t.name for t in suite.tasks]))
        kept = [t for t in suite.tasks
                if (names is None or t.name in names) and matches(t, filters)]
        tasks.extend(_per_model(file, kept, overrides, models) if model is None else kept)
    if override:
        found = [e for task in tasks for e in apply_override(task, override)]
        # The same wrong option is wrong for every task: say it once.
        errors.extend({str(e): e for e in found}.values())
    if errors:
        raise SpecErrors(errors)
    return tasks, warnings


def load_file(file: Path, overrides: dict[str, str] | None = None, model: str | None = None
              ) -> Suite:
    """A suite file, or a Python file of `@task` functions; raises SpecErrors."""
    if file.suffix == ".py":
        from ..tasks._load import load_task_file

        return load_task_file(file, overrides)
    from ._load import load_suite

    return load_suite(file, overrides, model=model)


def _per_model(file: Path, tasks: list[TaskDef], overrides: dict[str, str],
               models: Sequence[str]) -> list[TaskDef]:
    """A task of several models, once per model when its suite reads `${{ model }}`.

    Loaded once for the whole run, such a suite would see no one model (`none`), so
    per-model config would take its fallback for every model. Each copy keeps the list of
    all the run's models (`run_models`), which the log header records.
    """
    if not tasks or file.suffix == ".py" or not _reads_model(file):
        return tasks
    out: list[TaskDef] = []
    loaded: dict[str, list[TaskDef]] = {}
    for task in tasks:
        names = list(models) or task.models
        if len(names) < 2:
            out.append(task)
            continue
        for name in names:
            if name not in loaded:
                loaded[name] = load_file(file, overrides, model=name).tasks
            own = next(t for t in loaded[name] if t.name == task.name)
            own.model, own.models, own.run_models = name, [], list(names)
            out.append(own)
    return out


def _reads_model(file: Path) -> bool:
    import re

    try:
        return re.search(r"\$\{\{[^}]*\bmodel\b", file.read_text("utf-8-sig")) is not None
    except (OSError, UnicodeDecodeError):
        return False


def _unknown_tasks(file: Path, names: set[str], known: list[str]) -> list[SpecError]:
    out = []
    for name in sorted(names - set(known)):
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        out.append(SpecError(SourcePos(str(file), 1, 1),
                             f"no task '{name}' in this suite ({hint}tasks: {', '.join(known)})"))
    return out


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
