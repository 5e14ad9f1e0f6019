"""The `human` approver: the terminal shows each call and asks what to do with it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import Callable
from typing import TextIO, TypeVar

from ..model._chat import ToolCall
from ..solvers._store import current_state
from ._approval import Approval, describe_call

T = TypeVar("T")

_PROMPT = "[a]pprove, [r]eject, [m]odify, [t]erminate the sample? "


class HumanApprover:
    """Asks on the terminal, one call at a time (calls of concurrent samples wait their turn)."""

    def __init__(self, input: TextIO | None = None, output: TextIO | None = None) -> None:
        self._input = input
        self._output = output
        self._lock: asyncio.Lock | None = None

    async def __call__(self, call: ToolCall) -> Approval:
        if self._lock is None:
            self._lock = asyncio.Lock()
        state = current_state()
        where = f"sample {state.sample_id} (epoch {state.epoch})" if state else "a sample"
        async with self._lock:
            withdrawn = threading.Event()
            try:
                return await _in_daemon_thread(lambda: self._ask(call, where, withdrawn))
            except asyncio.CancelledError:
                # The sample ended (its limit, Ctrl-C) while a person was asked: the prompt
                # is withdrawn; the thread still reading the terminal answers no one.
                withdrawn.set()
                (self._output or sys.stderr).write(
                    "\n(withdrawn: the sample ended; the next line typed is ignored)\n")
                raise

    def _ask(self, call: ToolCall, where: str, withdrawn: threading.Event) -> Approval:
        stdin = self._input or sys.stdin
        out = self._output or sys.stderr
        out.write(f"\nApproval needed for a tool call in {where}:\n{describe_call(call)}\n")
        while True:
            answer = self._read(stdin, out, _PROMPT)
            if withdrawn.is_set():
                return Approval("reject", explanation="the sample ended before an answer")
            if answer is None:
                return Approval("reject", explanation="no terminal answered the approval request")
            choice = answer.strip().lower()[:1]
            if choice == "a":
                return Approval("approve", explanation="approved on the terminal")
            if choice == "t":
                return Approval("terminate", explanation="terminated on the terminal")
            if choice == "r":
                reason = self._read(stdin, out, "Reason (optional): ") or ""
                return Approval("reject", explanation=reason.strip() or "rejected on the terminal")
            if choice == "m":
                modified = self._modified(stdin, out)
                if modified is not None:
                    return Approval("modify", modified=modified,
                                    explanation="modified on the terminal")

    def _modified(self, stdin: TextIO, out: TextIO) -> dict[str, object] | None:
        text = self._read(stdin, out, "New arguments as JSON on one line: ")
        try:
            value = json.loads(text or "")
        except json.JSONDecodeError as ex:
            out.write(f"not JSON: {ex}\n")
            return None
        if not isinstance(value, dict):
            out.write("the arguments must be a JSON object\n")
            return None
        return value

    @staticmethod
    def _read(stdin: TextIO, out: TextIO, prompt: str) -> str | None:
        out.write(prompt)
        out.flush()
        line = stdin.readline()
        return line.rstrip("\n") if line else None


async def _in_daemon_thread(work: Callable[[], T]) -> T:
    """Run blocking `work` in a daemon thread. Unlike `asyncio.to_thread`, a terminal read
    that never returns holds neither the event loop's shutdown nor the process's exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return  # cancelled meanwhile
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            result, error = work(), None
        except BaseException as ex:  # handed to the awaiting task
            result, error = None, ex
        with contextlib.suppress(RuntimeError):  # the loop has closed: no one waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="evalrunner-ask", daemon=True).start()
    return await future
