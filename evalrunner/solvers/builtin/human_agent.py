"""`human_agent`: a person solves the sample in its sandbox, from their own terminal.

For each sample it installs a `task` command in the sandbox, shows the instructions and the
command that logs in (for docker `docker exec -it ...`), and waits until the person runs
`task submit ANSWER`. The answer becomes the sample's output and is scored like a model's.
`task score ANSWER` checks an answer against the task's scorers without handing it in
(with `intermediate_scoring`), `task start`/`task stop` pause the clock, and with
`record_session` everything typed and printed in the shell goes into the log (the sample's
store, `human_agent.session`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any

from ..._util.patterns import SuitePattern
from ...model._chat import ChatMessageAssistant
from ...sandbox import Sandbox, SandboxError, current_sandboxes
from ...sandbox import sandbox as sandbox_of
from .._scoring import score
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._human_files import rc_file, task_script

logger = logging.getLogger(__name__)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
_POLL = ("cd \"$1\" && for f in submit-request score-request; do "
         "[ -f \"$f\" ] && { echo \"== $f\"; cat \"$f\"; echo; rm -f \"$f\"; }; done; true")


@solver
def human_agent(
    answer: bool | str = True,
    intermediate_scoring: bool = False,
    record_session: bool = True,
    poll_interval: float = 0.5,
) -> Solver:
    """A person works in the sample's sandbox and submits with `task submit` (see above).

    `answer`: true, an answer is required; false, the task is scored on what the person
    left in the sandbox (`task submit` with nothing); a regular expression, the answer must
    match it whole.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if current_sandboxes() is None:
            raise SandboxError("human_agent needs a sandbox to log in to: add `sandbox:` "
                               "to the task")
        env = sandbox_of()
        folder = f"/tmp/evalrunner-human-{uuid.uuid4().hex[:12]}"
        text = _instructions(state, answer, intermediate_scoring)
        await _install(env, folder, text, intermediate_scoring, record_session)
        login = env.connection(["bash", "--rcfile", f"{folder}/bashrc", "-i"]).command
        logger.warning("sample %s waits for a person. Log in with:\n  %s\nthen run `task "
                       "instructions`; `task submit ANSWER` ends the sample.",
                       state.sample_id, login)
        record: dict[str, Any] = {"login": login, "intermediate_scores": []}
        state.store["human_agent"] = record
        submitted = await _wait(env, folder, state, answer, intermediate_scoring, record,
                                poll_interval)
        await _finish(env, folder, state, submitted, record)
        return state

    return solve


def _instructions(state: TaskState, answer: bool | str, intermediate: bool) -> str:
    how = ("When you are done, hand in your answer with `task submit ANSWER`." if answer
           else "When you are done, run `task submit`: the files you leave are scored.")
    if isinstance(answer, str):
        how += f" The answer must match the regular expression {answer}."
    extra = "\n`task score ANSWER` checks an answer without handing it in." if intermediate \
        else ""
    return (f"\n== Task ==\n{state.input_text}\n\n{how}{extra}\n`task stop` and `task start` "
            "pause and resume the clock; `task` alone lists the commands.\n\n")


async def _install(env: Sandbox, folder: str, text: str, intermediate: bool,
                   record: bool) -> None:
    workdir = (await env.exec(["pwd"])).stdout.strip() or None
    await env.write_file(f"{folder}/bin/task", task_script(folder))
    await env.write_file(f"{folder}/instructions", text)
    await env.write_file(f"{folder}/bashrc", rc_file(folder, workdir, record))
    await env.write_file(f"{folder}/clock", "")
    if intermediate:
        await env.write_file(f"{folder}/intermediate", "")
    chmod = await env.exec(["sh", "-c", 'chmod -R a+rwX "$1" && chmod a+rx "$1/bin/task"', "sh",
                            folder])
    if not chmod.success:
        raise SandboxError(f"cannot install the task command: {chmod.stderr.strip()}")


async def _wait(env: Sandbox, folder: str, state: TaskState, answer: bool | str,
                intermediate: bool, record: dict[str, Any], interval: float) -> str:
    """Answer `task score` requests until a `task submit` is accepted; returns the answer."""
    while True:
        await asyncio.sleep(interval)
        polled = await env.exec(["sh", "-c", _POLL, "sh", folder], timeout=60)
        for kind, value in _requests(polled.stdout):
            if kind == "submit-request":
                problem = _check_answer(value, answer)
                await _reply(env, folder, "submit", problem or f"Submitted: {value}",
                             rejected=problem is not None)
                if problem is None:
                    await _until_read(env, f"{folder}/submit-result", interval)
                    return value
            elif intermediate:
                result = await _score_now(state, value)
                record["intermediate_scores"].append({"answer": value, "result": result,
                                                      "time": time.time()})
                await _reply(env, folder, "score", result, rejected=False)


async def _until_read(env: Sandbox, path: str, interval: float, limit: float = 10) -> None:
    """Wait (a little) for `task submit` to show its result before the sandbox goes."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not (await env.exec(["test", "-e", path])).success:
            return
        await asyncio.sleep(min(interval, 0.2))


def _requests(output: str) -> list[tuple[str, str]]:
    out = []
    for part in output.split("== ")[1:]:
        kind, _, value = part.partition("\n")
        out.append((kind.strip(), value.rstrip("\n").strip()))
    return out


def _check_answer(value: str, answer: bool | str) -> str | None:
    if answer is True and not value:
        return "This task needs an answer: task submit ANSWER"
    if isinstance(answer, str) and not SuitePattern(answer).fullmatch(value):
        return f"'{value}' does not have the expected form ({answer}): not submitted"
    return None


async def _reply(env: Sandbox, folder: str, kind: str, text: str, rejected: bool) -> None:
    if rejected:
        await env.write_file(f"{folder}/{kind}-rejected", "")
    else:
        await env.exec(["rm", "-f", f"{folder}/{kind}-rejected"])
    await env.write_file(f"{folder}/{kind}-result", text)


async def _score_now(state: TaskState, value: str) -> str:
    previous = state.output.completion
    state.output.completion = value
    try:
        scores = await score(state)
    except Exception as ex:  # the person learns why; the sample goes on
        return f"cannot score now: {ex}"
    finally:
        state.output.completion = previous
    return "\n".join(f"score: {s.value}" + (f" ({s.explanation})" if s.explanation else "")
                     for s in scores)


async def _finish(env: Sandbox, folder: str, state: TaskState, submitted: str,
                  record: dict[str, Any]) -> None:
    clock = await _read(env, f"{folder}/clock")
    record["answer"] = submitted
    record["working_time"] = _working_time(clock, time.time())
    session = await _read(env, f"{folder}/session.log")
    if session:
        record["session"] = _ANSI.sub("", session)
    state.output.completion = submitted
    state.messages.append(ChatMessageAssistant(content=submitted))
    state.completed = True


async def _read(env: Sandbox, path: str) -> str:
    try:
        return await env.read_file(path)
    except (FileNotFoundError, SandboxError):
        return ""


def _working_time(clock: str, now: float) -> float:
    """Seconds the clock ran: from each `start` to the next `stop` (or to now)."""
    total, since = 0.0, None
    for line in clock.splitlines():
        event, _, stamp = line.partition(" ")
        if not stamp.strip().isdigit():
            continue
        if event == "start" and since is None:
            since = float(stamp)
        elif event == "stop" and since is not None:
            total += float(stamp) - since
            since = None
    if since is not None:
        total += now - since
    return round(total, 1)
