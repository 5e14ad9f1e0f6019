"""The `human` approver: the terminal shows each call and asks what to do with it."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from ..model._chat import ToolCall
from ..solvers._store import current_state
from ._approval import Approval, describe_call

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
            return await asyncio.to_thread(self._ask, call, where)

    def _ask(self, call: ToolCall, where: str) -> Approval:
        stdin = self._input or sys.stdin
        out = self._output or sys.stderr
        out.write(f"\nApproval needed for a tool call in {where}:\n{describe_call(call)}\n")
        while True:
            answer = self._read(stdin, out, _PROMPT)
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
