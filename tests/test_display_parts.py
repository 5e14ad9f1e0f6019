"""The display's pieces: progress lines from real model figures, and the results panel."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console

from evalrunner.display import PlainDisplay, make_display, summary_lines, summary_table
from evalrunner.display._plain import progress_line
from evalrunner.display._progress import TaskProgress
from evalrunner.log import (
    EvalError,
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    EvalStats,
)
from evalrunner.model import ModelUsage, get_model


def _log(status: str = "success") -> EvalLog:
    log = EvalLog(
        eval=EvalSpec(run_id="r", task="facts", created="2026-01-01T00:00:00+00:00",
                      model="mockllm/model"),
        status=status,  # type: ignore[arg-type]
        stats=EvalStats(started_at="2026-01-01T00:00:00+00:00",
                        completed_at="2026-01-01T01:02:03+00:00"),
    )
    log.results = EvalResults(
        total_samples=40, completed_samples=38, error_samples=2,
        scores=[EvalScore(name="includes", scorer="includes", scored_samples=37,
                          unscored_samples=1, unscored_reason="the grader said Yes.",
                          metrics={"accuracy": EvalMetric(name="accuracy", value=0.5),
                                   "count": EvalMetric(name="count", value=38)})],
        missed_thresholds=["accuracy 0.500 < 0.800"],
    )
    log.stats.model_usage = {"mockllm/model": ModelUsage(input_tokens=1200, output_tokens=34,
                                                         total_tokens=1234)}
    log.error = EvalError(message="2 of 40 samples failed: boom\nmore")
    log.location = "logs/facts.json"
    return log


def test_progress_line_shows_counts_time_and_each_model_load() -> None:
    model = get_model("mockllm/model", memoize=False)
    model.stats.in_flight = 3
    model.stats.rate_limits = 4
    model.stats.retries = 5
    model.stats.usage = ModelUsage(input_tokens=12345, output_tokens=678, total_tokens=13023)
    progress = TaskProgress(task="facts", model=model.name, total=40, models=[model])
    progress.started -= 30  # as if it began 30 seconds ago
    for i in range(10):
        progress.add(EvalSample(id=i, input="x", error=EvalError(message="e") if i < 2 else None))
    assert progress_line(progress) == (
        "facts: 10/40 samples (25%), 2 errors, 0:00:30 elapsed, ~0:01:30 left | "
        "mockllm/model: 3/100 connections, 4 rate limits, 5 retries, 12,345 tokens in, 678 out"
    )
    unknown = TaskProgress(task="t", model="none", total=None)
    assert progress_line(unknown) == "t: 0 samples, 0:00:00 elapsed"


def test_plain_display_outside_an_event_loop_reports_from_samples() -> None:
    out = io.StringIO()
    display = PlainDisplay(stream=out, interval=0.001)
    log = _log("started")
    display.task_start(log, 3)
    time.sleep(0.01)  # longer than the interval: the next sample reports
    display.sample_done(log, EvalSample(id=1, input="x"))
    display.task_end(log)
    lines = out.getvalue().splitlines()
    assert lines[0] == "facts: started, 3 samples, model mockllm/model"
    assert lines[1].startswith("facts: 1/3 samples (33%), 0:00:00 elapsed, ~0:00:00 left")
    assert lines[2] == "facts: started, 1/3 samples in 0:00:00"


def test_summary_lines_and_panel_say_the_same() -> None:
    log = _log()
    assert summary_lines(log) == [
        "facts (mockllm/model): success · 1 unscored, 40 samples",
        "  includes: accuracy=0.500, count=38 (1 of 38 unscored)",
        "  errors: 2 samples failed",
        "  threshold missed: accuracy 0.500 < 0.800",
        "  error: 2 of 40 samples failed: boom",
        "  unscored: includes: the grader said Yes.",
        "  tokens: 1,234 (mockllm/model: 1,200 in, 34 out)  time: 1:02:03",
        "  log: logs/facts.json",
    ]
    console = Console(width=80, record=True, file=io.StringIO(), color_system=None)
    console.print(summary_table(log))
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    for expected in ("facts · mockllm/model · success", "includes (1 of 38", "0.500",
                     "unscored", "includes: the grader said Yes.",
                     "38/40", "threshold missed", "accuracy 0.500 < 0.800", "1:02:03",
                     "1,234 (mockllm/model: 1,200 in, 34 out)", "success · threshold missed"):
        assert expected in text, expected


def test_an_unscored_success_is_not_a_plain_success() -> None:
    log = _log()
    log.results.missed_thresholds = []  # type: ignore[union-attr]
    console = Console(width=80, record=True, file=io.StringIO(), color_system="truecolor")
    console.print(summary_table(log))
    assert "facts · mockllm/model · success · 1 unscored" in console.export_text()
    assert "\x1b[32m" not in console.export_text(styles=True).split("\n")[0]  # not green


def test_make_display_kinds() -> None:
    assert type(make_display("rich")).__name__ == "RichDisplay"
    assert isinstance(make_display("plain"), PlainDisplay)
    quiet = make_display("none")
    assert isinstance(quiet, PlainDisplay) and quiet.quiet
    with pytest.raises(ValueError, match="unknown display"):
        make_display("fancy")


def test_model_rows_are_labelled_by_role_and_fit_80_columns() -> None:
    from evalrunner.display._progress import model_roles
    from evalrunner.display._rich import models_table

    evaluated = get_model("mockllm/a-rather-long-model-name-for-the-test", memoize=False)
    grader = get_model("mockllm/grader", memoize=False)
    log = _log()
    log.eval.model = evaluated.name
    log.eval.model_roles = {"grader": grader.name}
    roles = model_roles(log, [evaluated, grader])
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(
        models_table([evaluated, grader], roles))
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[0].split()[:3] == ["model", "role", "connections"]
    assert lines[1].split()[1] == "evaluated" and lines[2].split()[:2] == [grader.name, "grader"]


def test_summary_panel_keeps_long_metric_names_whole_at_80_columns() -> None:
    log = _log()
    names = ["accuracy", "stderr", "mean_reciprocal_rank", "exact_match_rate", "f1_macro"]
    log.results.scores[0].metrics = {n: EvalMetric(name=n, value=0.5) for n in names}
    out = io.StringIO()
    Console(file=out, width=80, color_system=None).print(summary_table(log))
    text = out.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    for name in names:
        assert name in text  # on its own row, never cut
    assert "logs/facts.json" not in text  # the path is printed below the panel, unwrapped


def test_running_metric_is_the_mean_of_the_first_scorer() -> None:
    from evalrunner.scorers import Score

    progress = TaskProgress(task="t", model="m", total=4, metric="accuracy")
    for value in ("C", "I", "C"):
        progress.add(EvalSample(id=1, input="x", scores={"match": Score(value=value)}))
    progress.add(EvalSample(id=2, input="x", error=EvalError(message="e")))
    name, value = progress.running() or ("", 0.0)
    assert name == "accuracy" and value == pytest.approx(2 / 3)
    assert ", accuracy 0.667, " in progress_line(progress)
