"""Agent skills: folders holding a SKILL.md (YAML front matter with `name` and
`description`, then instructions) and any scripts, references or assets beside it.

`read_skill` reads one here; `install_skills` copies skills into the sample's sandbox, so
the instructions' relative paths and scripts work there. The `skill` tool uses both.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)(.*)\Z", re.DOTALL)
MAX_FILES = 200
MAX_BYTES = 10_000_000


@dataclass
class Skill:
    """A skill read from its folder: what the model is told, and the files to install."""

    name: str
    description: str
    instructions: str
    folder: Path
    files: list[str] = field(default_factory=list)  # relative to the folder, SKILL.md too


def read_skill(folder: Path) -> Skill:
    """The skill in `folder`; ValueError saying what is wrong with it."""
    where = f"skill {folder.name}"
    if not (folder / "SKILL.md").is_file():
        raise ValueError(f"{where}: no SKILL.md in {folder.name}/")
    found = _FRONT.match((folder / "SKILL.md").read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"{where}: SKILL.md must start with front matter between --- lines")
    try:
        front = yaml.safe_load(found.group(1))
    except yaml.YAMLError as ex:
        raise ValueError(f"{where}: the front matter of SKILL.md is not YAML: {ex}") from None
    if not isinstance(front, dict):
        raise ValueError(f"{where}: the front matter of SKILL.md must be a mapping")
    name, description = front.get("name"), front.get("description")
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > 64:
        raise ValueError(f"{where}: name must be lowercase letters, digits and hyphens "
                         f"(at most 64), not {name!r}")
    if name != folder.name:
        raise ValueError(f"{where}: its name '{name}' differs from its folder's")
    if not isinstance(description, str) or not description.strip():
        raise ValueError(f"{where}: give a description in the front matter")
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if p.is_file() and not p.is_symlink())
    if len(files) > MAX_FILES or sum((folder / f).stat().st_size for f in files) > MAX_BYTES:
        raise ValueError(f"{where}: over {MAX_FILES} files or {MAX_BYTES} bytes")
    return Skill(name, description.strip(), found.group(2).strip(), folder, files)


def read_skills(skills: Sequence[str | Path | Skill]) -> list[Skill]:
    """Skills, each given as itself or by its folder (relative to the suite's folder)."""
    from ..template import suite_folder

    base = suite_folder() or Path.cwd()
    found = [s if isinstance(s, Skill) else read_skill((base / s).resolve()) for s in skills]
    names = [s.name for s in found]
    if len(set(names)) != len(names):
        raise ValueError(f"two skills have the same name: {', '.join(names)}")
    return found


async def install_skills(skills: Sequence[str | Path | Skill], dir: str = "skills",
                         sandbox: str | None = None) -> dict[str, str]:
    """Copy each skill's folder (a `Skill` or its folder) into `dir` of the sample's
    sandbox (relative to its working folder unless absolute); each skill's folder there,
    by name."""
    from ..sandbox import sandbox as sandbox_of

    env = sandbox_of(sandbox)
    where: dict[str, str] = {}
    for skill in read_skills(skills):
        target = posixpath.join(dir, skill.name)
        for name in skill.files:
            await env.write_file(posixpath.join(target, name), (skill.folder / name).read_bytes())
        where[skill.name] = target
    return where
