"""`memory`: Anthropic's memory tool, over a folder in the sample's sandbox.

The model sees paths under `/memories`; they live in the folder `dir` of the sandbox
(relative to its working folder unless absolute), so what one call writes the next can
read, and a task may seed or score the folder like any other file. Commands: `view`,
`create`, `str_replace`, `insert`, `delete`, `rename`. A path that leaves `/memories`
(`/memories/../x`) is refused before anything runs.
"""

from __future__ import annotations

import posixpath
from typing import Any, Literal

from ...sandbox import Sandbox, current_sandboxes
from ...sandbox import sandbox as sandbox_of
from .._decorator import tool
from .._tool import ToolError
from .text_editor import _insert, _numbered, _read, _replace, _write

ROOT = "/memories"
Command = Literal["view", "create", "str_replace", "insert", "delete", "rename"]


@tool
def memory(dir: str = "memories", timeout: float = 60, max_output: int = 16384,
           sandbox: str | None = None) -> Any:
    """A tool that keeps the model's notes in the folder `dir` of the sandbox (needed)."""

    async def execute(
        command: Command,
        path: str | None = None,
        file_text: str | None = None,
        old_str: str | None = None,
        new_str: str | None = None,
        insert_line: int | None = None,
        insert_text: str | None = None,
        view_range: list[int] | None = None,
        old_path: str | None = None,
        new_path: str | None = None,
    ) -> str:
        """Read and write your memory: files under /memories that stay across this task.

        Check /memories (view) before starting; record progress and what you learn as you go.

        Args:
            command: view, create, str_replace, insert, delete or rename.
            path: The file or folder, starting with /memories (all but rename).
            file_text: create: the file's contents.
            old_str: str_replace: the text to replace (must occur exactly once).
            new_str: str_replace: the replacement.
            insert_line: insert: the line after which to insert (0 for the top).
            insert_text: insert: the text to insert.
            view_range: view: [first, last] line numbers to show (last -1: to the end).
            old_path: rename: the file or folder to rename.
            new_path: rename: its new path.
        """
        if current_sandboxes() is None:
            raise ToolError("memory needs a sandbox: add `sandbox:` to the task")
        env = sandbox_of(sandbox)
        if command == "rename":
            return await _rename(env, dir, old_path, new_path, timeout)
        if path is None:
            raise ToolError(f"{command} needs a path under {ROOT}")
        shown, real = _place(dir, path)
        if command == "view":
            return await _view(env, dir, shown, real, view_range, timeout, max_output)
        if command == "create":
            if file_text is None:
                raise ToolError("create needs file_text")
            await _write(env, real, file_text)
            return f"Saved {shown}"
        if command == "delete":
            return await _delete(env, shown, real, timeout)
        text = await _read(env, real)
        if command == "str_replace":
            updated, _ = _replace(text, shown, old_str, new_str or "")
        elif command == "insert":
            updated, _ = _insert(text, insert_line, insert_text)
        else:
            raise ToolError(f"unknown command '{command}'")
        await _write(env, real, updated)
        return f"Edited {shown}"

    return execute


def _place(folder: str, path: str) -> tuple[str, str]:
    """The path as the model sees it (normalised) and where it is in the sandbox."""
    if not path.startswith(ROOT):
        raise ToolError(f"paths start with {ROOT}, not '{path}'")
    shown = posixpath.normpath(path)
    if shown != ROOT and not shown.startswith(ROOT + "/"):
        raise ToolError(f"'{path}' leaves {ROOT}")
    rest = shown[len(ROOT):].lstrip("/")
    return shown, posixpath.join(folder, rest) if rest else folder


async def _run(env: Sandbox, script: str, *args: str, timeout: float, limit: int = 4096
               ) -> str:
    result = await env.exec(["sh", "-c", script, "sh", *args], timeout=timeout,
                            output_limit=limit)
    if not result.success:
        raise ToolError(result.stderr.strip() or f"exit code {result.returncode}")
    return result.stdout


async def _view(env: Sandbox, folder: str, shown: str, real: str,
                view_range: list[int] | None, timeout: float, limit: int) -> str:
    kind = await _run(env, 'mkdir -p "$1"; if [ -d "$2" ]; then echo dir; elif [ -e "$2" ]; '
                      "then echo file; else echo none; fi", folder, real, timeout=timeout)
    if kind.strip() == "none":
        raise ToolError(f"{shown} does not exist")
    if kind.strip() == "dir":
        listing = await _run(env, "cd \"$1\" && find . -mindepth 1 -maxdepth 2 -not -path "
                             "'*/.*' | sort", real, timeout=timeout, limit=limit)
        names = [posixpath.normpath(posixpath.join(shown, line)) for line in listing.splitlines()]
        return "\n".join([f"Files in {shown}, two levels deep:", *names]) if names \
            else f"{shown} is empty."
    first, last = 1, -1
    if view_range:
        if len(view_range) != 2:
            raise ToolError("view_range is [first, last]")
        first, last = view_range
    return _numbered(await _read(env, real), first, None if last == -1 else last)[:limit]


async def _delete(env: Sandbox, shown: str, real: str, timeout: float) -> str:
    if shown == ROOT:
        raise ToolError(f"{ROOT} itself cannot be deleted")
    await _run(env, '[ -e "$1" ] || { echo "no such file" >&2; exit 1; }; rm -rf -- "$1"',
               real, timeout=timeout)
    return f"Deleted {shown}"


async def _rename(env: Sandbox, folder: str, old: str | None, new: str | None,
                  timeout: float) -> str:
    if not old or not new:
        raise ToolError("rename needs old_path and new_path")
    (old_shown, old_real), (new_shown, new_real) = _place(folder, old), _place(folder, new)
    if ROOT in (old_shown, new_shown):
        raise ToolError(f"{ROOT} itself cannot be renamed")
    await _run(env, '[ -e "$1" ] || { echo "$3 does not exist" >&2; exit 1; }; '
               '[ -e "$2" ] && { echo "$4 exists already" >&2; exit 1; }; '
               'mkdir -p "$(dirname "$2")" && mv -- "$1" "$2"',
               old_real, new_real, old_shown, new_shown, timeout=timeout)
    return f"Renamed {old_shown} to {new_shown}"
