"""Custom tools for the tool use example: one that adds, one that runs a subprocess."""

import asyncio
from pathlib import Path

from evalrunner import ToolError, tool

# Folders the list_files tool may look in, relative to this file.
_ROOT = Path(__file__).resolve().parent / "data"


@tool
def add():
    async def execute(x: int, y: int) -> int:
        """Add two numbers.

        Args:
            x: First number to add.
            y: Second number to add.
        """
        return x + y

    return execute


@tool
def list_files():
    async def execute(dir: str) -> str:
        """List the files in a folder.

        Args:
            dir: The folder to list, relative to the example's data folder.
        """
        folder = (_ROOT / dir).resolve()
        if not folder.is_relative_to(_ROOT) or not folder.is_dir():
            raise ToolError(f"no such folder: {dir}")
        # `ls` in a subprocess, awaited: the event loop keeps running other samples.
        process = await asyncio.create_subprocess_exec(
            "ls", "-1", str(folder),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise ToolError(err.decode().strip())
        return out.decode()

    return execute
