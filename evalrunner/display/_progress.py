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
    metric: str | None = None  # the task's first metric, when it is a mean of the scores
    scored: int = 0
    score_sum: float = 0.0
    binary: bool = True  # every value so far was pass/fail: the mean is an accuracy

    def add(self, sample: EvalSample) -> None:
        self.done += 1
        if sample.error is not None:
            self.errors += 1
            return
        first = next(iter(sample.scores.values()), None)
        if first is None or first.unscored:
            return
        try:
            value = first.as_float()
        except (ValueError, TypeError):
            return
        self.scored += 1
        self.score_sum += value
        self.binary = self.binary and value in (0.0, 1.0)

    def running(self) -> tuple[str, float] | None:
        """The running value of the first scorer's metric: its name and value so far."""
        if not self.scored:
            return None
        name = self.metric or ("accuracy" if self.binary else "mean")
        return name, self.score_sum / self.scored

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


def connections_text(load: ModelLoad, unit: str = "", bound: bool = True) -> str:
    """`in flight/limit`, with the bound when the provider pushed the live limit below it."""
    text = f"{load.in_flight}/{load.connection_limit}{unit}"
    if bound and load.connection_limit < load.max_connections:
        text += f" (max {load.max_connections})"
    return text


MEAN_METRICS = ("accuracy", "mean")


def first_metric(log: EvalLog) -> str | None:
    """The task's first metric when the display can keep it running (a mean of the first
    scorer's values); None lets the display name it from the values it sees."""
    names = [step.name for step in log.plan.metrics]
    return names[0] if names and names[0] in MEAN_METRICS else None


def task_label(log: EvalLog) -> str:
    """The task, and its model when the run has several (`sums · gpt-4o`)."""
    if log.eval.models and len(log.eval.models) > 1:
        return f"{log.eval.task} · {log.eval.model.rsplit('/', 1)[-1]}"
    return log.eval.task


def model_roles(log: EvalLog, models: list[Model]) -> dict[int, str]:
    """Each model's part in the task, by `id(model)`: evaluated, or its role names."""
    out: dict[int, str] = {}
    for model in models:
        parts = ["evaluated"] if model.name == log.eval.model else []
        parts += [role for role, name in log.eval.model_roles.items() if name == model.name]
        out[id(model)] = ", ".join(parts) or "other"
    return out


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
