"""Plain progress: one line now and then, for CI logs, files and non-terminals."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TextIO

from ..log._model import EvalLog, EvalSample
from ..model._model import Model
from ._progress import (
    Display,
    LogEcho,
    ModelLoad,
    TaskProgress,
    connections_text,
    duration,
    first_metric,
    model_roles,
    progress_interval,
    task_label,
    task_total,
    unique_models,
)
from ._summary import runs_lines, status_text, summary_lines


class PlainDisplay(Display):
    """A line when a task starts, one per task every few seconds while it runs, one at its end.

    Progress lines come from a timer on the event loop, so a CI log shows the run is alive
    (and its connection use and rate limits) even while no sample finishes. With `quiet`
    (`--display none`) only the final summary is printed.
    """

    def __init__(
        self, stream: TextIO | None = None, quiet: bool = False, interval: float | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.interval = interval or progress_interval()
        self._tasks: dict[str, TaskProgress] = {}
        self._models: dict[str, list[Model]] = {}
        self._roles: dict[int, str] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._last_line = time.monotonic()
        self._echo = LogEcho(lambda level, text: self._say(f"[{level}] {text}"))

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def task_models(self, log: EvalLog, models: list[Model]) -> None:
        self._models[log.eval.run_id] = unique_models(models)
        self._roles.update(model_roles(log, self._models[log.eval.run_id]))

    def task_start(self, log: EvalLog, total: int | None) -> None:
        if not self._tasks and not self.quiet:
            self._echo.attach()
        progress = TaskProgress(
            task=log.eval.task,
            model=log.eval.model,
            total=task_total(log, total),
            models=self._models.pop(log.eval.run_id, []),
            metric=first_metric(log),
        )
        progress.task = task_label(log)
        self._tasks[log.eval.run_id] = progress
        count = "?" if total is None else str(total)
        epochs = f" x {log.eval.epochs} epochs" if log.eval.epochs > 1 else ""
        self._say(f"{task_label(log)}: started, {count} samples{epochs}, model {log.eval.model}")
        self._schedule()

    def sample_done(self, log: EvalLog, sample: EvalSample) -> None:
        progress = self._tasks.get(log.eval.run_id)
        if progress is not None:
            progress.add(sample)
        # Outside an event loop there is no timer: report from here instead.
        if self._timer is None and time.monotonic() - self._last_line >= self.interval:
            self._report()

    def task_end(self, log: EvalLog) -> None:
        progress = self._tasks.pop(log.eval.run_id, None)
        done = progress.done if progress else 0
        total = progress.total if progress else None
        took = duration(progress.elapsed()) if progress else "0:00:00"
        of = f"/{total}" if total is not None else ""
        self._say(f"{task_label(log)}: {status_text(log)}, {done}{of} samples in {took}")
        if not self._tasks:
            self._echo.detach()
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def summary(self, logs: list[EvalLog]) -> None:
        for log in logs:
            print("\n".join(summary_lines(log)), flush=True)
        if len({log.eval.model for log in logs}) > 1:
            print("\n".join(["", *runs_lines(logs)]), flush=True)

    def _schedule(self) -> None:
        if self._timer is not None or self.quiet:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timer = loop.call_later(self.interval, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self._tasks:
            self._report()
            self._schedule()

    def _report(self) -> None:
        self._last_line = time.monotonic()
        for progress in self._tasks.values():
            self._say(progress_line(progress, self._roles))


def progress_line(p: TaskProgress, roles: dict[int, str] | None = None) -> str:
    """`task: 12/40 samples (30%), accuracy 0.750, 0:00:10 elapsed, ~0:00:23 left |
    model (evaluated): ...`."""
    if p.total:
        count = f"{p.done}/{p.total} samples ({100 * p.done // p.total}%)"
    else:
        count = f"{p.done} samples"
    errors = f", {p.errors} errors" if p.errors else ""
    running = p.running()
    metric = f", {running[0]} {running[1]:.3f}" if running else ""
    left = p.remaining()
    eta = f", ~{duration(left)} left" if left is not None else ""
    parts = [f"{p.task}: {count}{errors}{metric}, {duration(p.elapsed())} elapsed{eta}"]
    parts += [model_line(ModelLoad.of(m), (roles or {}).get(id(m))) for m in p.models]
    return " | ".join(parts)


def model_line(load: ModelLoad, role: str | None = None) -> str:
    name = f"{load.name} ({role})" if role else load.name
    return (
        f"{name}: {connections_text(load, ' connections')}, "
        f"{load.rate_limits} rate limits, {load.retries} retries, "
        f"{load.tokens_in:,} tokens in, {load.tokens_out:,} out"
    )
