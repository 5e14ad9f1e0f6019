"""Plain progress: a line now and then, for CI logs and files."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ..log._model import EvalLog, EvalSample
from ..runner._task import TaskDisplay
from ._summary import summary_lines

_EVERY = 5.0  # seconds between progress lines of one task


class PlainDisplay(TaskDisplay):
    """One line when a task starts, every few seconds while it runs, and when it ends."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self._totals: dict[str, int | None] = {}
        self._done: dict[str, int] = {}
        self._last: dict[str, float] = {}

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def task_start(self, log: EvalLog, total: int | None) -> None:
        run = log.eval.run_id
        self._totals[run] = None if total is None else total * log.eval.epochs
        self._done[run] = 0
        self._last[run] = time.monotonic()
        count = "?" if total is None else str(total)
        self._say(f"{log.eval.task}: started, {count} samples, model {log.eval.model}")

    def sample_done(self, log: EvalLog, sample: EvalSample) -> None:
        run = log.eval.run_id
        self._done[run] += 1
        now = time.monotonic()
        if now - self._last[run] >= _EVERY:
            self._last[run] = now
            total = self._totals[run]
            self._say(f"{log.eval.task}: {self._done[run]}/{total if total else '?'} samples")

    def task_end(self, log: EvalLog) -> None:
        self._say(f"{log.eval.task}: {log.status}, {self._done.get(log.eval.run_id, 0)} samples")

    def summary(self, logs: list[EvalLog]) -> None:
        for log in logs:
            print("\n".join(summary_lines(log)), flush=True)
