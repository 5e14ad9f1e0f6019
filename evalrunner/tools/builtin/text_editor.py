"""`text_editor`: view, create and edit files in the sample's sandbox.

The commands of the editor tool models are trained on: `view` (a file with line numbers,
or a folder two levels deep), `create`, `str_replace` (an exact, unique match), `insert`
(after a line number) and `undo_edit`. Files are read and written through the sandbox, so
the editor works the same with every backend.
"""

from __future__ import annotations

import shlex
import weakref
from typing import Any, Literal

from ...sandbox import Sandbox, SandboxError, current_sandboxes
from ...sandbox import sandbox as sandbox_of
from .._decorator import tool
from .._tool import ToolError

Command = Literal["view", "create", "str_replace", "insert", "undo_edit"]
SNIPPET = 4  # lines shown around an edit


@tool
def text_editor(timeout: float = 180, max_output: int = 16384, sandbox: str | None = None) -> Any:
    """A tool that views and edits files in the sample's sandbox (which it needs)."""
    # Earlier contents of each edited file, per sandbox, for undo_edit.
    history: weakref.WeakKeyDictionary[Sandbox, dict[str, list[str]]] = (
        weakref.WeakKeyDictionary())

    async def execute(
        command: Command,
        path: str,
        file_text: str | None = None,
        old_str: str | None = None,
        new_str: str | None = None,
        insert_line: int | None = None,
        view_range: list[int] | None = None,
    ) -> str:
        """View, create and edit files.

        Args:
            command: view, create, str_replace, insert or undo_edit.
            path: The file or folder (absolute, or relative to the working folder).
            file_text: create: the new file's contents.
            old_str: str_replace: the text to replace (must occur exactly once).
            new_str: str_replace: the replacement; insert: the text to insert.
            insert_line: insert: the line after which to insert (0 for the top).
            view_range: view: [first, last] line numbers to show (last -1: to the end).
        """
        if current_sandboxes() is None:
            raise ToolError("text_editor needs a sandbox: add `sandbox:` to the task")
        env = sandbox_of(sandbox)
        edits = history.setdefault(env, {})
        if command == "view":
            return await _view(env, path, view_range, timeout, max_output)
        if command == "create":
            if file_text is None:
                raise ToolError("create needs file_text")
            old = await _read_or_none(env, path)
            await _write(env, path, file_text)
            edits.setdefault(path, []).append(old if old is not None else "")
            return f"{'Overwrote' if old is not None else 'Created'} {path}"
        if command == "undo_edit":
            if not edits.get(path):
                raise ToolError(f"no edit of {path} to undo")
            await _write(env, path, edits[path].pop())
            return f"Undid the last edit of {path}\n{_numbered(await _read(env, path))}"
        text = await _read(env, path)
        if command == "str_replace":
            updated, line = _replace(text, path, old_str, new_str or "")
        elif command == "insert":
            updated, line = _insert(text, insert_line, new_str)
        else:
            raise ToolError(f"unknown command '{command}'")
        await _write(env, path, updated)
        edits.setdefault(path, []).append(text)
        return f"Edited {path}. The lines around the change:\n{_snippet(updated, line)}"

    return execute


def _replace(text: str, path: str, old: str | None, new: str) -> tuple[str, int]:
    if not old:
        raise ToolError("str_replace needs old_str")
    count = text.count(old)
    if count == 0:
        raise ToolError(f"old_str does not occur in {path} (it must match exactly, "
                        "whitespace included)")
    if count > 1:
        lines = [text[:i].count("\n") + 1 for i in _positions(text, old)]
        raise ToolError(f"old_str occurs {count} times in {path} (lines "
                        f"{', '.join(map(str, lines))}): include more context to make it unique")
    line = text[: text.index(old)].count("\n") + 1
    return text.replace(old, new, 1), line


def _insert(text: str, after: int | None, new: str | None) -> tuple[str, int]:
    if after is None or new is None:
        raise ToolError("insert needs insert_line and new_str")
    lines = text.split("\n")
    if not 0 <= after <= len(lines):
        raise ToolError(f"insert_line {after} is outside the file (0 to {len(lines)})")
    lines[after:after] = new.split("\n")
    return "\n".join(lines), after + 1


def _positions(text: str, part: str) -> list[int]:
    out, start = [], 0
    while (i := text.find(part, start)) != -1:
        out.append(i)
        start = i + 1
    return out


async def _view(env: Sandbox, path: str, view_range: list[int] | None, timeout: float,
                limit: int) -> str:
    kind = await env.exec(["sh", "-c", 'if [ -d "$1" ]; then echo dir; elif [ -e "$1" ]; '
                           'then echo file; else echo none; fi', "sh", path], timeout=timeout)
    what = kind.stdout.strip()
    if what == "none":
        raise ToolError(f"{path} does not exist")
    if what == "dir":
        listing = await env.exec(["sh", "-c", f"find {shlex.quote(path)} -maxdepth 2 -not "
                                  "-path '*/.*' | sort"], timeout=timeout, output_limit=limit)
        return f"Files and folders in {path}, two levels deep:\n{listing.stdout}"
    text = await _read(env, path)
    first, last = 1, None
    if view_range:
        if len(view_range) != 2:
            raise ToolError("view_range is [first, last]")
        first, last = view_range[0], None if view_range[1] == -1 else view_range[1]
    return _numbered(text, first, last)[:limit]


def _numbered(text: str, first: int = 1, last: int | None = None) -> str:
    lines = text.split("\n")
    end = len(lines) if last is None else min(last, len(lines))
    return "\n".join(f"{n:6}\t{lines[n - 1]}" for n in range(max(first, 1), end + 1))


def _snippet(text: str, line: int) -> str:
    return _numbered(text, line - SNIPPET, line + SNIPPET)


async def _read(env: Sandbox, path: str) -> str:
    try:
        return await env.read_file(path)
    except FileNotFoundError:
        raise ToolError(f"{path} does not exist") from None
    except SandboxError as ex:
        raise ToolError(str(ex)) from None


async def _read_or_none(env: Sandbox, path: str) -> str | None:
    try:
        return await env.read_file(path)
    except (FileNotFoundError, SandboxError):
        return None


async def _write(env: Sandbox, path: str, text: str) -> None:
    try:
        await env.write_file(path, text)
    except SandboxError as ex:
        raise ToolError(str(ex)) from None
