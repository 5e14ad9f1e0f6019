"""A sandbox command's event records the command a tool asked for, not its wrapper."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from evalrunner.events._model import SandboxEvent
from evalrunner.events._transcript import Transcript, transcript_scope
from evalrunner.sandbox import TaskSandboxes, sandbox, sandbox_spec
from tests.sandboxes import needs_bwrap


@needs_bwrap()
def test_a_bwrap_command_is_recorded_as_the_user_wrote_it() -> None:
    async def main() -> list[SandboxEvent]:
        task = TaskSandboxes(sandbox_spec("bwrap"), Path(tempfile.gettempdir()), "events")
        async with task.sample(None, {}, None):
            with transcript_scope(Transcript()) as current:
                result = await sandbox().exec(["bash", "-c", "echo hi"])
                assert result.stdout == "hi\n"
                return [e for e in current.events if isinstance(e, SandboxEvent)]

    [event] = asyncio.run(main())
    assert event.cmd == ["bash", "-c", "echo hi"] and event.returncode == 0
    assert event.output == "hi\n"
