"""bash's background tasks: commands that run on while the model does other things.

Each task is a command run through the sample's sandbox (or this machine) by an asyncio
task of its own, its output going to a file in the sandbox's /tmp that `poll` reads on from
where it last stopped. `kill`, and the end of the sample, cancel that asyncio task (which
ends the command's PID namespace under bwrap and here) and signal its process group from
inside (which ends it in docker, where a cancelled `docker exec` leaves it running).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .._exec import run_command
from .._lifetime import shared
from .._subprocess import ExecResult, long_lived
from .._tool import ToolError

# $1 the log file, $2 the command. setsid makes this shell a process group `kill` can end.
_START = ('mkdir -p "$(dirname "$1")"; echo $$ > "$1.pid"; exec >"$1" 2>&1 </dev/null; '
          'eval "$2"')
_KILL = ('p=$(cat "$1.pid" 2>/dev/null) || exit 0; kill -TERM -- "-$p" 2>/dev/null; '
         'sleep 0.2; kill -KILL -- "-$p" 2>/dev/null; exit 0')


@dataclass
class _Task:
    number: int
    cmd: str
    log: str
    runner: asyncio.Task[ExecResult]
    read: int = 0  # bytes of the log already shown


@dataclass
class BackgroundTasks:
    """The background tasks of one bash tool in one sample."""

    folder: str
    sandbox: str | None
    tasks: dict[int, _Task] = field(default_factory=dict)

    async def start(self, cmd: str) -> str:
        number = len(self.tasks) + 1
        log = f"{self.folder}/{number}.log"
        runner = asyncio.create_task(self._run(log, cmd))
        self.tasks[number] = _Task(number, cmd, log, runner)
        await asyncio.sleep(0.05)  # a command that fails at once says so in the first poll
        return (f"Started background task {number}: {cmd}\nPoll its output with "
                f"task={number}; stop it with task={number} and kill=true.")

    async def _run(self, log: str, cmd: str) -> ExecResult:
        long_lived()
        return await run_command(["setsid", "bash", "--noprofile", "--norc", "-c", _START,
                                  "bash", log, cmd], sandbox=self.sandbox, output_limit=4096)

    async def poll(self, number: int, limit: int) -> str:
        task = self._get(number)
        new = await run_command(["sh", "-c", 'tail -c "+$2" "$1" 2>/dev/null', "sh", task.log,
                                 str(task.read + 1)], sandbox=self.sandbox, timeout=30,
                                output_limit=limit)
        task.read += len(new.stdout.encode())
        return "\n".join([f"Task {number} ({task.cmd}): {self._status(task)}",
                          new.stdout.rstrip("\n") or "[no new output]"]
                         + (["[more output: poll again]"] if new.truncated else []))

    async def kill(self, number: int) -> str:
        task = self._get(number)
        if task.runner.done():
            return f"Task {number} had already ended: {self._status(task)}"
        await self._stop(task)
        return f"Killed task {number}."

    async def close(self) -> None:
        for task in self.tasks.values():
            if not task.runner.done():
                await self._stop(task)
        if self.tasks:  # the logs: in a sandbox they go with it, here they would stay
            with contextlib.suppress(Exception):
                await run_command(["rm", "-rf", "--", self.folder], sandbox=self.sandbox,
                                  timeout=30)

    async def _stop(self, task: _Task) -> None:
        task.runner.cancel()
        with contextlib.suppress(BaseException):
            await task.runner
        with contextlib.suppress(Exception):
            await run_command(["sh", "-c", _KILL, "sh", task.log], sandbox=self.sandbox,
                              timeout=10)

    def _get(self, number: int) -> _Task:
        if number not in self.tasks:
            raise ToolError(f"no background task {number} (started: "
                            f"{', '.join(map(str, self.tasks)) or 'none'})")
        return self.tasks[number]

    @staticmethod
    def _status(task: _Task) -> str:
        if not task.runner.done():
            return "running"
        if task.runner.cancelled():
            return "killed"
        error = task.runner.exception()
        if error is not None:
            return f"failed to run: {error}"
        return f"exited with code {task.runner.result().returncode}"


async def background_tasks(tool_id: str, folder: str, sandbox: str | None) -> BackgroundTasks:
    """The tool's background tasks in the current sample, killed when the sample ends."""

    async def make() -> tuple[BackgroundTasks, Callable[[], Awaitable[None]]]:
        tasks = BackgroundTasks(folder, sandbox)
        return tasks, tasks.close

    made: BackgroundTasks = await shared(("bash-background", tool_id), "sample", make)
    return made

