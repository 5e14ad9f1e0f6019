"""text_editor and bash_session inside a sandbox (bwrap; local where isolation is not the point)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest

from evalrunner.sandbox import TaskSandboxes, sandbox_spec
from evalrunner.tools import ToolError
from evalrunner.tools.builtin.bash_session import bash_session
from evalrunner.tools.builtin.text_editor import text_editor
from tests.sandboxes import needs_bwrap


def in_sample(backend: str, check: Any) -> Any:
    async def main() -> Any:
        task = TaskSandboxes(sandbox_spec(backend), Path(tempfile.gettempdir()), "tools")
        async with task.sample(None, {"src/app.py": "a = 1\nb = 2\nc = 3\n"}, None):
            return await check()

    return asyncio.run(main())


@needs_bwrap()
def test_text_editor_views_creates_replaces_inserts_and_undoes() -> None:
    edit = text_editor()

    async def check() -> None:
        shown = await edit(command="view", path="src/app.py")
        assert shown.splitlines() == ["     1\ta = 1", "     2\tb = 2", "     3\tc = 3", "     4\t"]
        assert "src/app.py" in await edit(command="view", path=".")
        assert (await edit(command="view", path="src/app.py", view_range=[2, 2])).strip() == \
            "2\tb = 2"
        await edit(command="str_replace", path="src/app.py", old_str="b = 2", new_str="b = 20")
        await edit(command="insert", path="src/app.py", insert_line=0, new_str="# top")
        assert "1\t# top" in await edit(command="view", path="src/app.py")
        with pytest.raises(ToolError, match="occurs 3 times"):
            await edit(command="str_replace", path="src/app.py", old_str=" = ", new_str="=")
        with pytest.raises(ToolError, match="does not occur"):
            await edit(command="str_replace", path="src/app.py", old_str="zzz", new_str="")
        await edit(command="undo_edit", path="src/app.py")
        await edit(command="create", path="/tmp/new.txt", file_text="fresh")
        view = await edit(command="view", path="src/app.py")
        assert "# top" not in view and "b = 20" in view
        with pytest.raises(ToolError, match="does not exist"):
            await edit(command="view", path="nope.txt")
        assert "fresh" in await edit(command="view", path="/tmp/new.txt")

    in_sample("bwrap", check)


def test_text_editor_needs_a_sandbox() -> None:
    with pytest.raises(ToolError, match="needs a sandbox"):
        asyncio.run(text_editor()(command="view", path="."))


@pytest.mark.parametrize("backend", ["local", pytest.param("bwrap", marks=needs_bwrap())])
def test_bash_session_keeps_folder_variables_and_functions(backend: str) -> None:
    shell = bash_session(timeout=20)

    async def check() -> None:
        await shell(command="cd src && export GREETING=hi && COUNT=3 && greet() { echo hey; }")
        out = await shell(command="pwd; echo $GREETING $COUNT; greet")
        lines = out.splitlines()
        assert lines[0].endswith("/src") and lines[1:] == ["hi 3", "hey"]
        assert "[exit code 7]" in await shell(command="exit 7")
        assert (await shell(command="echo $COUNT")).strip() == "3"  # `exit` kept the session
        await shell(command="", restart=True)
        assert (await shell(command="echo ${COUNT:-none}")).strip() == "none"

    in_sample(backend, check)
