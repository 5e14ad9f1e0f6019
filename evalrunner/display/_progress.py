"""What both live displays track: per task, samples done and time; per model, its load."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .._util.secrets import redact
from ..log._model import EvalLog, EvalSample
from ..model._model import Model
from ..runner._task import TaskDisplay

DEFAULT_INTERVAL = 10.0  # seconds between plain progress lines


class Display(TaskDisplay):
    """A task display that also prints the results when the run ends."""

    def summary(self, logs: list[EvalLog]) -> None: ...


@dataclass
class TaskProgress:
    """One running task as the display sees it."""

    task: str
    model: str
    total: int | None  # samples times epochs; None when the dataset length is unknown
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    errors: int = 0
    models: list[Model] = field(default_factory=list)

    def add(self, sample: EvalSample) -> None:
        self.done += 1
        if sample.error is not None:
            self.errors += 1

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float | None:
        """A linear estimate from the pace so far; None until a sample is done."""
        if self.total is None or self.done == 0:
            return None
        return self.elapsed() / self.done * max(0, self.total - self.done)


@dataclass(frozen=True)
class ModelLoad:
    """A model's figures at one moment: connections, rate limits, retries, tokens."""

    name: str
    in_flight: int
    max_connections: int
    connection_limit: int  # the live limit: below max_connections after refusals for load
    rate_limits: int
    retries: int
    tokens_in: int
    tokens_out: int

    @staticmethod
    def of(model: Model) -> ModelLoad:
        s = model.stats
        limit = s.max_connections or model.config.max_connections or model.api.max_connections()
        return ModelLoad(
            name=model.name,
            in_flight=s.in_flight,
            max_connections=limit,
            connection_limit=s.limit.current if s.limit is not None else limit,
            rate_limits=s.rate_limits,
            retries=s.retries,
            tokens_in=s.usage.input_tokens,
            tokens_out=s.usage.output_tokens,
        )


def connections_text(load: ModelLoad, unit: str = "") -> str:
    """`in flight/limit`, with the bound when the provider pushed the live limit below it."""
    text = f"{load.in_flight}/{load.connection_limit}{unit}"
    if load.connection_limit < load.max_connections:
        text += f" (max {load.max_connections})"
    return text


def task_total(log: EvalLog, total: int | None) -> int | None:
    return None if total is None else total * max(1, log.eval.epochs)


def unique_models(models: list[Model]) -> list[Model]:
    """The same memoized model can be both the evaluated model and a role's."""
    out: list[Model] = []
    for model in models:
        if all(model is not kept for kept in out):
            out.append(model)
    return out


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def progress_interval() -> float:
    """Seconds between plain progress lines (EVALRUNNER_PROGRESS_INTERVAL)."""
    try:
        value = float(os.environ.get("EVALRUNNER_PROGRESS_INTERVAL", DEFAULT_INTERVAL))
    except ValueError:
        return DEFAULT_INTERVAL
    return value if value > 0 else DEFAULT_INTERVAL


class LogEcho(logging.Handler):
    """Shows Python log records of a run to the person watching it (redacted).

    The root logger's level is the run's `--log-level` (the executor's capture sets it),
    so this handler filters nothing itself except per-request HTTP chatter.
    """

    def __init__(self, show: Callable[[str, str], None]) -> None:
        super().__init__(logging.NOTSET)
        self._show = show

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")) and record.levelno < logging.WARNING:
            return
        try:
            message = redact(record.getMessage())
        except Exception:  # a bad format string must not break the run
            message = redact(str(record.msg))
        self._show(record.levelname.lower(), f"{record.name}: {message}")

    def attach(self) -> None:
        logging.getLogger().addHandler(self)

    def detach(self) -> None:
        logging.getLogger().removeHandler(self)
