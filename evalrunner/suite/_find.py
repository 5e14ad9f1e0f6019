"""Finding suite files in folders."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

SKIPPED_FOLDERS = frozenset({"env", "venv", "tests", "node_modules"})
_SUFFIXES = (".yml", ".yaml")
# A top-level `tasks:` key. Matching the text (rather than parsing) keeps a suite with a
# syntax error in the results, so that loading it reports the error instead of hiding it.
_TASKS_KEY = re.compile(r"^(tasks|['\"]tasks['\"])[ \t]*:", re.MULTILINE)


def find_suites(paths: Sequence[Path]) -> list[Path]:
    """Suite files: a file is itself; a folder is searched recursively, sorted, for YAML
    suites and for Python files that define `@task` functions (the same skip rules)."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(_search(path))
        else:
            found.add(path)
    return sorted(found)


def _search(folder: Path) -> list[Path]:
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not _skipped(d) and d not in SKIPPED_FOLDERS]
        for name in files:
            if _skipped(name):
                continue
            candidate = Path(root) / name
            yaml_suite = name.endswith(_SUFFIXES) and is_suite_file(candidate)
            if yaml_suite or (name.endswith(".py") and is_task_file(candidate)):
                out.append(candidate)
    return out


def is_task_file(path: Path) -> bool:
    """Whether a Python file defines `@task` functions."""
    from ..tasks._load import is_task_file as defines_tasks

    return defines_tasks(path)


def _skipped(name: str) -> bool:
    return name.startswith((".", "_"))


def is_suite_file(path: Path) -> bool:
    """Whether a YAML file's top level has a `tasks` key."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return _TASKS_KEY.search(text) is not None
