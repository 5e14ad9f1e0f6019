"""`skill`: the model reads a skill's instructions when a task needs it (agent skills:
folders with a SKILL.md). The tool's description lists the skills by name and description;
calling it with a name installs the skills into the sample's sandbox (once per sample) and
returns that skill's instructions and the folder its files are in."""

from __future__ import annotations

import uuid
from typing import Any

from .._decorator import tool
from .._lifetime import shared
from .._skills import Skill, install_skills, read_skills
from .._tool import ToolError

_ABOUT = (
    "Get a skill's instructions: specialised knowledge and scripts for a kind of task. When "
    "a skill below matches the task, call this tool with its name first, then follow the "
    "instructions it returns; paths in them are relative to the skill's folder, which the "
    "result names. Only use skills listed here.")


@tool
def skill(skills: list[str], dir: str = "skills", sandbox: str | None = None) -> Any:
    """A tool offering the skills in the folders `skills` (relative to the suite), installed
    into `dir` of the sandbox; without a sandbox, their folders here are used."""
    found = read_skills(skills)
    names = [s.name for s in found]
    tool_id = uuid.uuid4().hex[:12]

    async def execute(name: str) -> str:
        chosen = next((s for s in found if s.name == name), None)
        if chosen is None:
            raise ToolError(f"no skill '{name}' (skills: {', '.join(names)})")
        folders = await _installed(tool_id, found, dir, sandbox)
        return "\n".join([f'The "{name}" skill is running.', f"Base Path: {folders[name]}", "",
                          chosen.instructions])

    listed = "\n".join(f"- {s.name}: {s.description}" for s in found)
    execute.__doc__ = (f"{_ABOUT}\n\nAvailable skills:\n{listed}\n\nArgs:\n"
                       "    name: The skill's name, alone (no arguments).")
    return execute


async def _installed(tool_id: str, skills: list[Skill], dir: str, sandbox: str | None
                     ) -> dict[str, str]:
    from ...sandbox import current_sandboxes

    if current_sandboxes() is None:
        return {s.name: str(s.folder) for s in skills}

    async def make() -> tuple[dict[str, str], Any]:
        async def nothing() -> None:
            return None

        return await install_skills(skills, dir, sandbox), nothing

    folders: dict[str, str] = await shared(("skills", tool_id), "sample", make)
    return folders
