"""Agents declared as a suite declares them, for Python code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..template import template_search
from ._agent import AgentFn, to_agent


def yaml_agent(entry: str | dict[str, Any] | Path, base_dir: Path | None = None) -> AgentFn:
    """The agent of a plan entry as a suite writes it (`{"react": {...}}`, `"agent.py@x"`),
    or of a YAML file holding one entry; names (`file.py@fn`, templates) are found from
    `base_dir` (default: the file's folder, else the working folder)."""
    folder = base_dir
    if isinstance(entry, Path) or (isinstance(entry, str) and entry.endswith((".yml", ".yaml"))):
        path = (base_dir or Path.cwd()) / entry
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        folder = path.parent
    from ..solvers.builtin._entries import make_solvers

    with template_search(folder or Path.cwd()):
        (made,) = make_solvers(entry)
    return to_agent(made)
