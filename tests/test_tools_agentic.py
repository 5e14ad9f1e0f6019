"""memory, todo_write/update_plan, skill and bash background tasks: the shipped suites
(suites/agents/), and what each refuses."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from evalrunner.solvers.builtin._entries import make_tools
from evalrunner.tools import ToolError, read_skills
from evalrunner.tools._lifetime import resource_scope
from evalrunner.tools.builtin.memory import _place
from tests.agent_runs import AGENTS, run_shipped
from tests.sandboxes import needs_bwrap

pytestmark = needs_bwrap()


def _tool_texts(sample: Any) -> list[str]:
    return [m.text for m in sample.messages if m.role == "tool"]


def test_planning_tools_keep_their_steps_in_the_store(tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "planning.yml", tmp_path)
    todo = logs["todo_write"].samples[0]
    assert todo.store["todos"] == [{"content": "Multiply 3 by 4", "status": "completed"},
                                   {"content": "Add 5", "status": "completed"}]
    assert todo.store["todos_explanation"] == "12 + 5 = 17"
    assert _tool_texts(todo)[1] == "Plan updated: 2 of 2 steps completed."
    views = [e.view["call"] for e in todo.events if e.event == "tool" and e.view]
    assert views[0]["content"] == "- [ ] **Multiply 3 by 4** (in progress)\n- [ ] Add 5"
    assert views[1]["content"].startswith("12 + 5 = 17\n\n- [x] Multiply 3 by 4")
    plan = logs["update_plan"].samples[0]
    assert plan.store["plan"][1] == {"step": "Test 23", "status": "in_progress"}
    assert plan.scores["match"].value == "C"


def test_a_plan_with_two_steps_in_progress_is_refused() -> None:
    (todo,) = make_tools("todo_write")
    with pytest.raises(ToolError, match="only one step can be in_progress"):
        both = [{"content": c, "status": "in_progress"} for c in "ab"]
        asyncio.run(todo(**todo.convert_arguments({"todos": both})))


def test_memory_views_edits_and_renames_in_the_sandbox(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "memory.yml", tmp_path)["notes"].samples[0]
    assert _tool_texts(sample)[:4] == [
        "Files in /memories, two levels deep:\n/memories/old.txt",
        "Edited /memories/old.txt",
        "Renamed /memories/old.txt to /memories/meetings/current.txt",
        "     1\tThe meeting is in room 12."]
    assert sample.scores["includes"].value == "C"


@pytest.mark.parametrize("path", ["/memories/../etc/passwd", "/etc/passwd", "/memoriesx/a"])
def test_memory_paths_stay_under_memories(path: str) -> None:
    with pytest.raises(ToolError):
        _place("memories", path)
    assert _place("notes", "/memories/a/../b.txt") == ("/memories/b.txt", "notes/b.txt")


def test_skills_are_installed_and_their_script_runs(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "skills.yml", tmp_path)["csv_total"].samples[0]
    (offered,) = make_tools({"skill": {"skills": [str(AGENTS / "skills" / "csv-stats")]}})
    assert "- csv-stats: Summary statistics (count, sum, mean)" in offered.info.description
    said = _tool_texts(sample)
    assert said[0].startswith('The "csv-stats" skill is running.\nBase Path: skills/csv-stats')
    assert "python3 <Base Path>/scripts/stats.py" in said[0]
    assert said[1] == "count=3 sum=45 mean=15"  # the script, copied into the sandbox, ran


@pytest.mark.parametrize(("front", "problem"), [
    ("no front matter", "must start with front matter"),
    ("---\nname: other\ndescription: x\n---\nbody", "differs from its folder"),
    ("---\nname: tidy\n---\nbody", "give a description"),
    ("---\nname: Tidy Up\ndescription: x\n---\n", "lowercase letters"),
])
def test_a_bad_skill_is_refused_with_its_problem(tmp_path: Path, front: str, problem: str
                                                 ) -> None:
    folder = tmp_path / ("tidy" if "Tidy" not in front else "Tidy Up")
    folder.mkdir()
    (folder / "SKILL.md").write_text(front)
    with pytest.raises(ValueError, match=problem):
        read_skills([folder])


def test_background_tasks_start_poll_and_kill(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "background.yml", tmp_path)["job"].samples[0]
    said = _tool_texts(sample)
    assert said[0].startswith("Started background task 1")
    assert said[1] == "500500"
    assert said[2].endswith(": running\nstarting\ndone")
    assert said[3] == "Killed task 1."


def _running(marker: str) -> bool:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return marker in listing


def test_background_processes_die_with_the_sample() -> None:
    marker = f"sleep {uuid.uuid4().int % 1000 + 1000}.{uuid.uuid4().int % 997}"

    async def sample() -> None:
        (bash,) = make_tools({"bash": {"background": True}})
        async with resource_scope("sample"):
            started = await bash(cmd=marker, background=True)
            assert started.startswith("Started background task 1")
            for _ in range(50):
                if _running(marker):
                    break
                await asyncio.sleep(0.1)
            assert _running(marker)
            assert "running" in await bash(task=1)

    logs = set(Path("/tmp").glob(".evalrunner-bash-background-*"))
    asyncio.run(sample())
    assert not _running(marker)
    assert set(Path("/tmp").glob(".evalrunner-bash-background-*")) <= logs  # logs removed
