"""Live progress on a terminal: a bar per task, a row per model, log lines above."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Task as RichTask
from rich.table import Table
from rich.text import Text

from ..log._model import EvalLog, EvalSample
from ..model._model import Model
from ._progress import (
    Display,
    LogEcho,
    ModelLoad,
    TaskProgress,
    connections_text,
    first_metric,
    model_roles,
    task_label,
    task_total,
    unique_models,
)
from ._summary import runs_table, summary_table

_LEVEL_STYLE = {"debug": "dim", "info": "cyan", "warning": "yellow", "error": "red"}


class _Times(ProgressColumn):
    """`0:01:18 elapsed, 0:02:00 left`: labelled, so the two times cannot be mixed up."""

    def __init__(self) -> None:
        super().__init__()
        self._elapsed = TimeElapsedColumn()
        self._left = TimeRemainingColumn()

    def render(self, task: RichTask) -> Text:
        text = Text.assemble(self._elapsed.render(task), (" elapsed", "dim"))
        if not task.finished:
            text.append_text(Text.assemble(", ", self._left.render(task), (" left", "dim")))
        return text


class _Errors(ProgressColumn):
    """`3 errors` in red once a sample failed; nothing before."""

    def render(self, task: RichTask) -> Text:
        errors = int(task.fields.get("errors", 0))
        return Text(f"{errors} errors" if errors else "", style="red")


class _Metric(ProgressColumn):
    """`accuracy 0.812`: the running value of the task's first metric, named in full."""

    def render(self, task: RichTask) -> Text:
        running = task.fields.get("metric")
        if not running:
            return Text("")
        name, value = running
        return Text.assemble((f"{name} ", "dim"), (f"{value:.3f}", "bold"))


class RichDisplay(Display):
    """Live bars while tasks run (refreshed 4 times a second), then a results panel per task.

    The live region is on screen only while a task runs: when the last running task ends it
    stops, leaving its final state above, so a failure or Ctrl-C never leaves the terminal
    in a drawn-over state. Python log records and stray prints appear above the bars.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self._tasks: dict[str, tuple[TaskProgress, TaskID]] = {}
        self._models: dict[str, list[Model]] = {}
        self._shown: list[Model] = []  # models of every task on screen, finished ones too
        self._roles: dict[int, str] = {}  # id(model) -> its part: evaluated, grader, ...
        self._progress = self._new_progress()
        self._live: Live | None = None
        self._echo = LogEcho(self._log_line)

    def _new_progress(self) -> Progress:
        return Progress(
            TextColumn("[bold]{task.description}", table_column=None),
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            _Times(),
            _Errors(),
            _Metric(),
            console=self.console,
            expand=False,
        )

    def task_models(self, log: EvalLog, models: list[Model]) -> None:
        self._models[log.eval.run_id] = unique_models(models)
        self._roles.update(model_roles(log, self._models[log.eval.run_id]))

    def task_start(self, log: EvalLog, total: int | None) -> None:
        if self._live is None:
            self._progress = self._new_progress()
            self._shown = []
            self._live = Live(
                get_renderable=self._render,
                console=self.console,
                refresh_per_second=4,
                redirect_stdout=True,
                redirect_stderr=True,
            )
            self._live.start()
            self._echo.attach()
        progress = TaskProgress(
            task=log.eval.task,
            model=log.eval.model,
            total=task_total(log, total),
            models=self._models.pop(log.eval.run_id, []),
            metric=first_metric(log),
        )
        task_id = self._progress.add_task(task_label(log), total=progress.total, errors=0,
                                          metric=None)
        self._tasks[log.eval.run_id] = (progress, task_id)
        self._shown = unique_models([*self._shown, *progress.models])

    def sample_done(self, log: EvalLog, sample: EvalSample) -> None:
        entry = self._tasks.get(log.eval.run_id)
        if entry is None:
            return
        progress, task_id = entry
        progress.add(sample)
        self._progress.update(task_id, completed=progress.done, errors=progress.errors,
                              metric=progress.running())

    def task_end(self, log: EvalLog) -> None:
        entry = self._tasks.pop(log.eval.run_id, None)
        if entry is not None:
            progress, task_id = entry
            # A finished task's bar shows where it ended; a success is full.
            total = progress.done if log.status == "success" else progress.total
            self._progress.update(task_id, completed=progress.done, total=total)
            self._progress.stop_task(task_id)
        if not self._tasks and self._live is not None:
            self._echo.detach()
            self._live.stop()
            self._live = None

    def summary(self, logs: list[EvalLog]) -> None:
        for log in logs:
            self.console.print(summary_table(log))
            if log.location:
                # Outside the panel and never wrapped: a path stays one line to copy.
                self.console.print(Text.assemble(("log ", "dim"), log.location),
                                   soft_wrap=True)
        if len({log.eval.model for log in logs}) > 1:
            self.console.print(runs_table(logs))

    def _render(self) -> RenderableType:
        if not self._shown:
            return self._progress
        return Group(self._progress, models_table(self._shown, self._roles))

    def _log_line(self, level: str, text: str) -> None:
        line = Text(f"[{level}] ", style=_LEVEL_STYLE.get(level, "white"))
        line.append(text)
        self.console.print(line)


def models_table(models: list[Model], roles: dict[int, str] | None = None) -> Table:
    """A row per model: its role, connections in use of max, rate limits, retries, tokens
    in/out (fits 80 columns)."""
    roles = roles or {}
    # One space between columns: six columns fit 80 with a 22-character model name.
    table = Table(box=None, pad_edge=False, header_style="dim", show_edge=False,
                  collapse_padding=True)
    table.add_column("model", overflow="ellipsis", max_width=22, no_wrap=True)
    table.add_column("role", overflow="ellipsis", max_width=10, no_wrap=True)
    table.add_column("connections", justify="right")
    table.add_column("rate limits", justify="right")
    table.add_column("retries", justify="right")
    table.add_column("tokens in/out", justify="right")
    for model in models:
        load = ModelLoad.of(model)
        table.add_row(
            load.name,
            roles.get(id(model), ""),
            connections_text(load, bound=False),
            Text(str(load.rate_limits), style="yellow" if load.rate_limits else ""),
            str(load.retries),
            f"{load.tokens_in:,}/{load.tokens_out:,}",
        )
    return table
