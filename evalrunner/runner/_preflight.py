"""What is checked before a run's first model call, and by `validate`: every error at once.

Each task is built by `build_task` (models, roles, config, plan, scorers, metrics, declared
tools, thresholds) and its dataset opened, local datasets read to the end; its templates
are compiled. These are the parts the run then uses (`TaskRun`): nothing is built twice. The run
options are checked against what the tasks hold (`--sample-id`, `--limit`, `--epochs`),
and the places a run writes to (the log folder, JUnit and summary files) are tried.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from ..dataset import DatasetScan, scan_dataset
from ..suite._model import SourcePos, SpecError, TaskDef
from ._build import SetupErrors, TaskParts, build_task
from ._capture import log_level_problem
from ._models import ModelScopeError, task_runs
from ._options import RunOptions
from ._plan import TaskRun
from ._trust import untrusted_addresses


def _unreachable(task: TaskDef, parts: TaskParts) -> list[SpecError]:
    """Models whose provider has no address: every request would fail."""
    pos = task.pos or SourcePos("--model", 0, 0)
    return [
        SpecError(pos, f"model '{model.name}': {problem}")
        for model in [parts.model, *parts.roles.values()]
        if model is not None and (problem := model.api.unreachable()) is not None
    ]


def _unbatchable(task: TaskDef, parts: TaskParts, options: RunOptions) -> list[SpecError]:
    """`--batch` (or `batch:` in config) for a provider without a batch API is refused:
    its requests would go one by one, at full price, while the user expects a batch."""
    from ..model._api import ModelAPI
    from ..model._batch import batch_config

    if parts.model is None or batch_config(parts.config.batch) is None:
        return []
    if type(parts.model.api).batch_backend is not ModelAPI.batch_backend:
        return []
    given = options.config.batch is not None
    pos = _option("--batch") if given else (task.pos or SourcePos(str(task.suite_file), 1, 1))
    return [SpecError(pos, (
        f"model '{parts.model.name}': its provider has no batch API here (batching works "
        "with openai, anthropic and azureai); leave batch out to send requests one by one"))]


def check_run(
    tasks: Sequence[TaskDef],
    options: RunOptions,
    *,
    writes: bool = True,
    reports: Sequence[tuple[str, str]] = (),
) -> tuple[list[TaskRun], list[SpecError]]:
    """The task runs, built, and every problem that would make the run fail, located.

    `writes`: also try the log folder (a run does; `validate` does not). `reports` are
    (option, path) pairs of files the run writes at its end (`--junit`, `--summary`).
    """
    errors = _check_options(options)
    if writes:
        errors.extend(_check_log_dir(options.log_dir))
        errors.extend(check_reports(reports))
    found_ids: set[str] = set()
    every_id_known = True
    try:
        runs = task_runs(tasks, options)  # one per task and model, as the run makes them
    except ModelScopeError as ex:
        errors.extend(_scope_error(line) for line in str(ex).splitlines())
        runs = []
    planned: list[TaskRun] = []
    for task, own in runs:
        try:
            parts = build_task(task, own)
        except SetupErrors as ex:
            errors.extend(ex.errors if writes else [_as_warning(e) for e in ex.errors])
            continue
        errors.extend(_unbatchable(task, parts, own))
        planned.append(TaskRun(task, own, parts))
        if writes:  # a run: `validate` runs where the environment is not set up
            errors.extend(_unreachable(task, parts))
            errors.extend(untrusted_addresses(task, parts, own))
    for task in tasks:
        scan = scan_dataset(task.dataset, task.base_dir, task.sandbox is not None)
        for run in planned:  # the dataset the scan opened is the one the run reads
            if run.task is task:
                run.dataset = scan.dataset
        errors.extend(_task_data(task, scan, options))
        found_ids |= scan.ids
        every_id_known = every_id_known and scan.complete and not scan.problems
    if options.sample_ids is not None and every_id_known:
        missing = [i for i in options.sample_ids if i not in found_ids]
        if missing:
            errors.append(SpecError(_option("--sample-id"), (
                f"no sample has the id {', '.join(repr(i) for i in missing)} in the tasks "
                "selected")))
    return planned, errors


def _as_warning(error: SpecError) -> SpecError:
    """`validate` on an install without an extra: the suite is fine, the machine lacks it."""
    if error.extra is None:
        return error
    return dataclasses.replace(error, severity="warning",
                               message=f"{error.message} (not checked further)")


def _option(flag: str) -> SourcePos:
    return SourcePos(flag, 0, 0)


def _scope_error(line: str) -> SpecError:
    """`-M 'a:k': ...` as an error located at its option."""
    flag, _, message = line.partition(" ")
    return SpecError(_option(flag), message)


def _check_options(options: RunOptions) -> list[SpecError]:
    from ..model._config import config_problems

    errors = []
    counts = (("--epochs", options.epochs), ("--max-samples", options.max_samples),
              ("--max-tasks", options.max_tasks))
    for flag, count in counts:  # eval() and EVALRUNNER_* reach here unchecked by click
        if count is not None and count < 1:
            errors.append(SpecError(_option(flag), f"{count}: give 1 or more"))
    for name, bounds in config_problems(options.config):
        errors.append(SpecError(_option("--" + name.replace("_", "-")), bounds))
    if options.sample_ids is not None and not [i for i in options.sample_ids if i.strip()]:
        errors.append(SpecError(_option("--sample-id"), "give one or more sample ids"))
    if (problem := log_level_problem(options.log_level)) is not None:
        errors.append(SpecError(_option("--log-level"), problem))
    if options.log_format not in ("json", "eval"):
        errors.append(SpecError(_option("--log-format"),
                                f"{options.log_format}: give json or eval"))
    return errors


def _task_data(task: TaskDef, scan: DatasetScan, options: RunOptions) -> list[SpecError]:
    """Dataset and template problems of a task, located at the task's dataset."""
    from ..suite import check_templates

    pos = task.dataset_pos or task.pos or SourcePos(str(task.suite_file), 1, 1)
    errors = [SpecError(pos, f"dataset: {p}") for p in scan.problems]
    errors.extend(check_templates(task, scan.keys if not scan.problems else None))
    if options.limit is not None and scan.complete and not scan.problems:
        limit = task.dataset.get("limit")
        total = min(scan.count, limit) if isinstance(limit, int) else scan.count
        first, last = options.limit
        if first > total:
            shown = f"{first}-{last}" if first != 1 else str(last)
            errors.append(SpecError(_option("--limit"), (
                f"{shown} selects no sample of task '{task.name}', which has {total}")))
    return errors


def _check_log_dir(log_dir: str) -> list[SpecError]:
    """The log folder exists or can be made, and a file can be written in it."""
    if "://" in log_dir and not log_dir.startswith("file://"):
        return []  # a remote folder: reaching it is the network's business, at the first log
    folder = Path(log_dir.removeprefix("file://")).expanduser()
    try:
        problem = _blocking(folder, [folder, *folder.parents], "not a folder")
    except OSError as ex:  # a folder on the way that cannot be looked into
        problem = f"cannot look there: {ex.strerror or ex}"
    if problem is None:
        made = [p for p in [folder, *folder.parents] if not _exists(p)]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".evalrunner-probe-{uuid.uuid4().hex[:8]}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as ex:
            problem = f"cannot write there: {ex.strerror or ex}"
        finally:  # the run makes the folder when it writes its first log, not a failed check
            for created in made:
                with contextlib.suppress(OSError):
                    created.rmdir()
    return [SpecError(_option("--log-dir"), f"{log_dir}: {problem}")] if problem else []


def _blocking(target: Path, paths: list[Path], itself: str) -> str | None:
    """The first of `paths` that exists and is not a folder, said (raises OSError when one
    cannot be looked at: `Path.exists` raises for a path under an unreadable folder)."""
    for p in paths:
        if os.path.lexists(p) and not p.is_dir():
            return itself if p == target else f"{p} is a file, not a folder"
    return None


def _exists(path: Path) -> bool:
    try:
        path.stat()
    except OSError:
        return False
    return True


def check_reports(reports: Sequence[tuple[str, str]]) -> list[SpecError]:
    """Report files (`--junit`, `--summary`: (option, path) pairs) can be written."""
    return [error for flag, path in reports for error in _check_report(flag, path)]


def _check_report(flag: str, path: str) -> list[SpecError]:
    """A report file can be created or appended to (it is written when the run ends)."""
    target = Path(path).expanduser()
    problem = None
    try:
        existed = _exists(target)
        if target.is_dir():
            problem = "is a folder"
        else:
            problem = _blocking(target, list(target.parents), "is a file")
    except OSError as ex:
        existed, problem = True, f"cannot look there: {ex.strerror or ex}"
    if problem is None:
        made = [p for p in target.parents if not _exists(p)]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a", encoding="utf-8"):
                pass
            if not existed:
                os.unlink(target)
        except OSError as ex:
            problem = f"cannot write it: {ex.strerror or ex}"
        finally:
            for created in made:
                with contextlib.suppress(OSError):
                    created.rmdir()
    return [SpecError(_option(flag), f"{path}: {problem}")] if problem else []
