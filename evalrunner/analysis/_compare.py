"""Comparing runs of the same tasks: metrics per model, paired differences, disagreements.

Runs are grouped by task. For each scorer, a sample's value is the mean of its epochs'
values; samples that failed or that the scorer left unscored take no part. Differences
are B - A for every pair of runs of a task (A listed first), with the interval that
`_stats.difference` picks for the scores.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..log._model import EvalLog
from ..scorers._score import Score, value_to_float
from ._read import every_run, latest_runs, read_headers, read_samples
from ._stats import Interval, difference, standard_error


@dataclass
class Cell:
    """One sample and epoch of a run, as the viewer's comparison table shows it."""

    n: int  # its position in the log file (the viewer's address of the sample)
    scores: dict[str, str]  # scorer -> value as logged ("unscored" when it was not)
    answer: str
    error: str | None = None
    input: str = ""  # the question, as text (the start of it)


@dataclass
class Run:
    """One log: its header, and per scorer the value of each sample it scored."""

    log: EvalLog
    label: str  # the model, and the params that tell its runs of the task apart
    values: dict[str, dict[str, float]] = field(default_factory=dict)  # scorer -> id -> mean
    shown: dict[str, dict[str, str]] = field(default_factory=dict)  # scorer -> id -> as logged
    answers: dict[str, str] = field(default_factory=dict)  # id -> the first epoch's answer
    cells: dict[tuple[str, int], Cell] = field(default_factory=dict)

    @property
    def model(self) -> str:
        return self.log.eval.model

    def metric(self, scorer: str, name: str) -> float | None:
        for score in self.log.results.scores if self.log.results else []:
            if score.name == scorer and name in score.metrics:
                value = score.metrics[name].value
                return float(value) if value is not None else None
        return None

    def metrics(self, scorer: str) -> dict[str, float | None]:
        for score in self.log.results.scores if self.log.results else []:
            if score.name == scorer:
                return {k: (float(m.value) if m.value is not None else None)
                        for k, m in score.metrics.items()}
        return {}

    def stderr(self, scorer: str) -> float | None:
        """The log's own stderr metric when it has one, else from the per-sample values."""
        logged = self.metric(scorer, "stderr")
        return logged if logged is not None else standard_error(
            list(self.values.get(scorer, {}).values()))


@dataclass
class Pair:
    scorer: str
    a: Run
    b: Run
    interval: Interval


@dataclass
class Disagreement:
    id: str
    scorer: str
    values: dict[str, str]  # run label -> the score as logged (or the epochs' mean)


@dataclass
class TaskComparison:
    task: str
    runs: list[Run]
    scorers: list[str]
    pairs: list[Pair] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)


def compare_logs(paths: Sequence[str | Path], latest: bool = False
                 ) -> tuple[list[TaskComparison], list[str]]:
    """Compare the logs among `paths` (files, or folders: every run there, or with
    `latest` the latest run per task and model), task by task. Named files keep their
    order (A, B, ...); a folder's runs come in `run_order`. Returns the comparisons and
    the files that could not be read."""
    named = [p for p in paths if not Path(p).is_dir()]
    folders = [p for p in paths if Path(p).is_dir()]
    logs, errors = read_headers(named)
    found, more = read_headers(folders)
    logs += sorted(latest_runs(found) if latest else every_run(found), key=run_order)
    errors += more
    by_task: dict[str, list[EvalLog]] = defaultdict(list)
    for log in logs:
        by_task[log.eval.task].append(log)
    return [compare_task(task, group) for task, group in by_task.items()], errors


def run_order(log: EvalLog) -> tuple[Any, ...]:
    """Runs of one multi-model run in the order its models were given; other runs oldest
    first, then by model name."""
    models = log.eval.models or []
    position = models.index(log.eval.model) if log.eval.model in models else len(models)
    return (tuple(models), position, log.eval.created, log.eval.model)


def compare_task(task: str, logs: Sequence[EvalLog]) -> TaskComparison:
    runs = [_read_run(log, label) for log, label in zip(logs, _labels(logs), strict=True)]
    scorers = list(dict.fromkeys(
        s.name for run in runs for s in (run.log.results.scores if run.log.results else [])
    ))
    for run in runs:
        scorers += [s for s in run.values if s not in scorers]
    result = TaskComparison(task, runs, scorers)
    for i, a in enumerate(runs):
        for b in runs[i + 1:]:
            for scorer in scorers:
                interval = difference(a.values.get(scorer, {}), b.values.get(scorer, {}))
                if interval is not None:
                    result.pairs.append(Pair(scorer, a, b, interval))
    result.disagreements = _disagreements(runs, scorers)
    return result


def _labels(logs: Sequence[EvalLog]) -> list[str]:
    """Each run's model; runs of one model told apart by the params in which they differ
    (prompt variants), else by run id."""
    models = [log.eval.model for log in logs]
    labels = []
    for m, log in zip(models, logs, strict=True):
        if models.count(m) == 1:
            labels.append(m)
            continue
        same = [other.eval.params for other in logs if other.eval.model == m]
        keys = sorted({k for p in same for k in p if any(q.get(k) != p.get(k) for q in same)})
        differs = ", ".join(f"{k}={log.eval.params.get(k)}" for k in keys)
        labels.append(f"{m} [{differs or log.eval.run_id[:6]}]")
    # Repeats of one variant: their run ids too.
    return [label if labels.count(label) == 1 else f"{label[:-1]}, {log.eval.run_id[:6]}]"
            for label, log in zip(labels, logs, strict=True)]


def _read_run(log: EvalLog, label: str) -> Run:
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    shown: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    answers: dict[str, str] = {}
    cells: dict[tuple[str, int], Cell] = {}
    for n, sample in enumerate(read_samples(str(log.location))):
        sample_id = str(sample.id)
        answer = _answer(sample.scores, sample.output.completion)
        cells[(sample_id, sample.epoch)] = Cell(
            n, {k: "unscored" if _number(v) is None else str(v.value)
                for k, v in sample.scores.items()},
            answer, sample.error.message.splitlines()[0] if sample.error else None,
            _question(sample.input),
        )
        if sample.error is not None:
            continue
        answers.setdefault(sample_id, answer)
        for scorer, score in sample.scores.items():
            value = _number(score)
            if value is not None:
                sums[scorer][sample_id].append(value)
                shown[scorer][sample_id].append(str(score.value))
    values = {s: {i: sum(v) / len(v) for i, v in per.items()} for s, per in sums.items()}
    texts = {
        s: {i: (v[0] if len(v) == 1 else f"{values[s][i]:.3f}") for i, v in per.items()}
        for s, per in shown.items()
    }
    return Run(log, label, values, texts, answers, cells)


def _question(value: Any) -> str:
    """A sample's input as one short line of text (its user messages for a chat)."""
    if isinstance(value, list):
        value = "\n".join(m.text for m in value if getattr(m, "role", "") == "user")
    text = " ".join(str(value or "").split())
    return text if len(text) <= 240 else text[:239] + "…"


def _number(score: Score) -> float | None:
    if score.unscored or getattr(score, "value", None) is None:
        return None
    try:
        return value_to_float(score.value)
    except (ValueError, TypeError):
        return None


def _answer(scores: dict[str, Score], completion: str) -> str:
    for score in scores.values():
        if score.answer is not None:
            return score.answer
    return completion


def _disagreements(runs: Sequence[Run], scorers: Sequence[str]) -> list[Disagreement]:
    out: list[Disagreement] = []
    for scorer in scorers:
        ids = sorted({i for run in runs for i in run.values.get(scorer, {})}, key=natural_key)
        for sample_id in ids:
            values = {run.label: run.values.get(scorer, {}).get(sample_id) for run in runs}
            if len({v for v in values.values() if v is not None}) > 1:
                out.append(Disagreement(sample_id, scorer, {
                    run.label: run.shown.get(scorer, {}).get(sample_id, "-") for run in runs
                }))
    return out


def natural_key(text: str) -> tuple[Any, ...]:
    """`s2` before `s10`: digit runs compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", text) if part)
