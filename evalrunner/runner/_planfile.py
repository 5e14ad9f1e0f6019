"""A run's plan, kept beside its logs: which task runs (task x model) it was to make.

A run writes `.plan-<id>` (JSON) into its log folder before its first task starts: the
command line and working folder it was started with, and each task run as (suite file,
task, model). A task run that never started (Ctrl-C, a killed process, a full disk before
its log could be made) leaves no log, so without the plan `retry FOLDER` could not know
it was missing. The file goes when every task run of the plan has made its log.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..log._io import list_eval_logs
from ._plan import TaskRun

Entry = tuple[str, str, str]  # (suite file, task, model)


@dataclass
class PlanFile:
    """A recorded plan, and the task runs of it that have no log in its folder."""

    path: Path
    argv: list[str]
    cwd: str
    missing: list[Entry]


def _entry(run: TaskRun) -> Entry:
    return (str(run.task.suite_file), run.task.name,
            run.options.model or run.task.model or "none")


def record_plan(log_dir: str, argv: Sequence[str], runs: Sequence[TaskRun]) -> Path | None:
    """Write the plan of a run into its (local) log folder; its path, or None."""
    if "://" in log_dir:
        return None  # a remote folder: `retry` lists what is there
    created = datetime.now(UTC).isoformat(timespec="seconds")  # as logs write it
    # Not named *.json: tools that read every log of a folder would take it for one.
    path = Path(log_dir) / f".plan-{uuid.uuid4().hex[:16]}"
    plan = {"created": created, "argv": list(argv), "cwd": os.getcwd(),
            "runs": [list(_entry(r)) for r in runs]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(plan), encoding="utf-8")
    except OSError:
        return None  # the logs say what they can; a plan is a help, not a need
    return path


def forget_plan(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def unstarted(folder: str) -> list[PlanFile]:
    """The plans in a local log folder that have task runs without a log there."""
    plans = sorted(Path(folder).glob(".plan-*")) if Path(folder).is_dir() else []
    if not plans:
        return []
    logs = list_eval_logs(folder)
    out = []
    for path in plans:
        try:
            plan = json.loads(path.read_text(encoding="utf-8"))
            planned = [(str(s), str(t), str(m)) for s, t, m in plan["runs"]]
            made = {(log.eval.suite_file, log.eval.task, log.eval.model) for log in logs
                    if log.eval.created >= plan["created"]}
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a plan this version wrote
        missing = [entry for entry in planned if entry not in made]
        if missing:
            out.append(PlanFile(path, list(plan["argv"]), str(plan["cwd"]), missing))
        else:
            forget_plan(path)  # every run of it has its log now
    return out


def missing_runs(plan: PlanFile, runs: Sequence[TaskRun]) -> list[TaskRun]:
    """The runs of a plan made again that had no log."""
    return [run for run in runs if _entry(run) in plan.missing]
