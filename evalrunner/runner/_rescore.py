"""Scoring a finished log again: `evalrunner score LOG` and `evalrunner.score(...)`.

The plan is not run again and the evaluated model is not asked anything: each sample's
state is rebuilt from its logged messages and output, and only the scorers run (a
model-graded scorer calls its grader). The scorers are the log's own (as its plan
recorded them) unless others are given.
"""

from __future__ import annotations

import asyncio
import copy
import os
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from ..log._model import EvalLog, EvalPlanStep, EvalSample
from ..log._writer import LogWriter, format_of
from ..model._get import get_model, model_context
from ..model._model import Model
from ..model._roles import role_model
from ..registry import registry_args_of, registry_name_of, resolve
from ..scorers._scorer import Metric, Scorer, chosen_metrics
from ..solvers._store import Store, sample_scope
from ..solvers._task_state import TaskState
from ..template import template_search
from ._gates import apply_thresholds
from ._options import RunOptions
from ._results import ScoreBook, compute_results
from ._sample import error_of
from ._session import session
from ._trust import UntrustedLog, logged_addresses

_CONCURRENCY = 10  # samples scored at once (a grader's own connection limit still applies)

NamedScorer = tuple[str, Scorer]
KeyedMetric = tuple[str | None, Metric]  # a metric and the dict-score key it is for


Action = Literal["overwrite", "append"]


def score(
    log: EvalLog | str | Path,
    scorers: Scorer | Sequence[Scorer] | None = None,
    metrics: Sequence[Metric] | None = None,
    action: Action = "overwrite",
    trust: bool = False,
) -> EvalLog:
    """Score a log's samples again and return the scored log (nothing is written).

    `log` is an EvalLog with its samples, or a log file to read. `scorers` replace the
    log's own scorers (created objects, such as `model_graded_qa(model="openai/gpt-4o")`);
    `metrics` replace their default metrics. With `action="append"` the given scorers are
    added beside the log's scores instead (a repeated name is numbered: `match_2`).
    The evaluated model is never called. Inside a running event loop (a notebook) the
    scoring gets its own loop in a worker thread. A log naming its model's or a role's
    address is refused (UntrustedLog) when your key would go there, unless `trust`.
    """
    from ._entry import run_sync

    return run_sync(lambda: score_async(log, scorers, metrics, action, trust))


async def score_async(
    log: EvalLog | str | Path,
    scorers: Scorer | Sequence[Scorer] | None = None,
    metrics: Sequence[Metric] | None = None,
    action: Action = "overwrite",
    trust: bool = False,
) -> EvalLog:
    """`score`, for callers that already run an event loop."""
    if not isinstance(log, EvalLog):
        from ..log import read_eval_log

        log = await asyncio.to_thread(read_eval_log, log)
    else:
        log = log.model_copy(deep=True)
    return await score_in_place(log, scorers, metrics, action, trust)


async def score_in_place(
    log: EvalLog,
    scorers: Scorer | Sequence[Scorer] | None = None,
    metrics: Sequence[Metric] | None = None,
    action: Action = "overwrite",
    trust: bool = False,
) -> EvalLog:
    """Score `log` itself (its samples, plan and results change); returns it."""
    base_dir = _base_dir(log)
    async with session([log.eval.task], hooks=False):  # no task runs: no hook events
        run, named, chosen = _choose(log, scorers, metrics, base_dir, action)
        evaluated, roles = _models(log, trust)
        with model_context(evaluated, roles):
            await _score_samples(log.samples, run, action)
    book = ScoreBook()
    for sample in log.samples:
        book.add(sample)
    _results(log, book, named, chosen, base_dir)
    return log


async def score_file(
    source: str, target: str, scorers: Scorer | Sequence[Scorer] | None = None,
    action: Action = "overwrite", trust: bool = False,
) -> EvalLog:
    """Score a log file into `target` one sample at a time, and return its header.

    Memory stays flat for any log size: samples stream from `source`, are scored a few at
    a time and appended to a new file, which replaces `target` only once it is complete
    (so `source` may be `target`, and a failure leaves the original untouched).
    """
    from ..log import read_eval_log

    log = await asyncio.to_thread(read_eval_log, source, True)
    base_dir = _base_dir(log)
    book = ScoreBook()
    partial = target if "://" in target else f"{target}.scoring"
    writer = LogWriter(partial, format_of(target))
    try:
        async with session([log.eval.task], hooks=False):
            run, named, chosen = _choose(log, scorers, None, base_dir, action)
            await asyncio.to_thread(writer.start, log)
            evaluated, roles = _models(log, trust)
            with model_context(evaluated, roles):
                await _score_stream(source, run, writer, book, action)
    except BaseException:
        writer.abandon()
        raise
    _results(log, book, named, chosen, base_dir)
    await asyncio.to_thread(writer.finish, log)
    if partial != target:
        os.replace(partial, target)
    log.location = target
    return log


def _choose(
    log: EvalLog,
    scorers: Scorer | Sequence[Scorer] | None,
    metrics: Sequence[Metric] | None,
    base_dir: Path,
    action: Action = "overwrite",
) -> tuple[list[NamedScorer], list[NamedScorer], list[KeyedMetric]]:
    """The scorers to run, all the log's scorers after scoring, and the metrics.

    Given scorers are recorded in the log's plan: in place of its own, or after them
    when appending.
    """
    if action not in ("overwrite", "append"):
        raise ValueError(f"unknown score action '{action}': use overwrite or append")
    with template_search(base_dir):
        if scorers is None:
            if action == "append":
                raise ValueError("appending scores needs the scorers to add")
            named = scorers_of_plan(log.plan.scorers, base_dir)
            chosen = _given(metrics) if metrics is not None else _plan_metrics(log, base_dir)
            return named, named, chosen
        given = [scorers] if callable(scorers) else list(scorers)
        steps = [_step_of(s) for s in given]
        if action == "append":
            kept = scorers_of_plan(log.plan.scorers, base_dir)
            chosen = _given(metrics) if metrics is not None else _plan_metrics(log, base_dir)
            both = _unique([*kept, *[(registry_name_of(s), s) for s in given]])
            log.plan.scorers = [*log.plan.scorers, *steps]
            return both[len(kept):], both, chosen
        chosen = _given(metrics or [])
        log.plan.scorers = steps
        log.plan.metrics = [_step_of(m) for _, m in chosen]
        named = _unique([(registry_name_of(s), s) for s in given])
        return named, named, chosen


def _results(
    log: EvalLog, book: ScoreBook, named: list[NamedScorer], chosen: list[KeyedMetric],
    base_dir: Path,
) -> None:
    by_scorer = {name: chosen_metrics(chosen, fn) for name, fn in named}
    log.results = compute_results(book, by_scorer, log.eval.epochs_reducer, base_dir)
    apply_thresholds(log, log.eval.thresholds)  # the run's gates, against the new results


def recompute_results(log: EvalLog) -> None:
    """`log.results` computed again from its samples (in memory) with the metrics of its
    plan's scorers, and its thresholds checked again (after a hand edit of a score)."""
    base_dir = _base_dir(log)
    try:
        named = scorers_of_plan(log.plan.scorers, base_dir)
        chosen = _plan_metrics(log, base_dir)
    except LookupError as ex:
        raise ValueError(f"cannot compute the metrics again: {ex}") from None
    book = ScoreBook()
    for sample in log.samples:
        book.add(sample)
    _results(log, book, named, chosen, base_dir)


def scorers_of_plan(steps: Sequence[EvalPlanStep], base_dir: Path) -> list[NamedScorer]:
    """The scorers a log's plan recorded, created again, named as the run named them."""
    return _unique([(step.id or _short(step.name), _create("scorer", step, base_dir))
                    for step in steps])


def _plan_metrics(log: EvalLog, base_dir: Path) -> list[KeyedMetric]:
    return [(step.key, _create("metric", step, base_dir)) for step in log.plan.metrics]


def _given(metrics: Sequence[Metric]) -> list[KeyedMetric]:
    return [(None, metric) for metric in metrics]


def _create(kind: Any, step: EvalPlanStep, base_dir: Path) -> Any:
    args = [v for k, v in step.args.items() if k.startswith("$")]
    kwargs = {k: v for k, v in step.args.items() if not k.startswith("$")}
    return resolve(kind, step.name, base_dir).obj(*args, **kwargs)


def _step_of(obj: Any) -> EvalPlanStep:
    return EvalPlanStep(name=registry_name_of(obj), args=registry_args_of(obj))


def _short(name: str) -> str:
    """The log name of a scorer: `tools.py@check` and `pkg.mod:check` are `check`."""
    return name.split("@")[-1].split(":")[-1].split("/")[-1]


def _unique(named: list[NamedScorer]) -> list[NamedScorer]:
    """Repeated names numbered as the executor numbers them (`match`, `match_2`)."""
    seen: dict[str, int] = {}
    out: list[NamedScorer] = []
    for name, fn in named:
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name}_{seen[name]}", fn))
    return out


def _base_dir(log: EvalLog) -> Path:
    """The suite's folder, where `file.py@name` scorers and templates are found."""
    suite_file = log.eval.suite_file
    return Path(suite_file).parent if suite_file else Path.cwd()


def _models(log: EvalLog, trust: bool) -> tuple[Model | None, dict[str, Model]]:
    """The run's models as objects: graders may be roles, or default to the evaluated one.

    Creating a model makes no call; only a scorer that asks a grader calls anything. The
    log's addresses are the log's: refused (UntrustedLog) where the user's key would go.
    """
    spec = log.eval
    evaluated = None
    if spec.model != "none":
        base_url = getattr(spec, "model_base_url", None)
        evaluated = get_model(spec.model, base_url=base_url, **spec.model_args)
    roles = {role: role_model(value) for role, value in spec.model_roles.items()}
    given = RunOptions(trust=trust)
    if refused := logged_addresses(str(log.location or "log"), log, evaluated, roles, given):
        raise UntrustedLog("\n".join(str(error) for error in refused))
    return evaluated, roles


async def _score_samples(
    samples: list[EvalSample], scorers: list[NamedScorer], action: Action = "overwrite"
) -> None:
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def one(sample: EvalSample) -> None:
        async with gate:
            await _score_one(sample, scorers, action)

    await asyncio.gather(*(one(sample) for sample in samples))


async def _score_stream(
    source: str, scorers: list[NamedScorer], writer: LogWriter, book: ScoreBook,
    action: Action = "overwrite",
) -> None:
    """Read samples in chunks (in a thread), score each chunk, append it to the writer."""
    from ..log import read_eval_log_samples

    samples = read_eval_log_samples(source)
    while chunk := await asyncio.to_thread(lambda: list(islice(samples, _CONCURRENCY * 4))):
        await _score_samples(chunk, scorers, action)
        for sample in chunk:
            writer.write_sample(sample)
            book.add(sample)


async def _score_one(
    sample: EvalSample, scorers: list[NamedScorer], action: Action = "overwrite"
) -> None:
    if sample.error is not None:
        return  # a sample that failed to run has nothing to score
    state = state_of(sample)
    kept = dict(sample.scores) if action == "append" else {}
    try:
        with sample_scope(state):
            scores = await asyncio.gather(*(fn(state, state.target) for _, fn in scorers))
    except Exception as ex:
        sample.error = error_of(ex)
        sample.scores = kept
        return
    sample.scores = {**kept, **{name: s for (name, _), s in zip(scorers, scores, strict=True)}}


def state_of(sample: EvalSample) -> TaskState:
    """The state a sample ended its plan with, rebuilt from its log entry."""
    state = TaskState(
        model=sample.output.model or "",
        sample_id=sample.id,
        epoch=sample.epoch,
        input=sample.input,
        messages=list(copy.deepcopy(sample.messages)),
        target=sample.target,
        choices=sample.choices,
        metadata=sample.metadata,
    )
    state.output = sample.output.model_copy(deep=True)
    state.store = Store(copy.deepcopy(sample.store))
    state.scores = dict(sample.scores) if sample.scores else None
    return state


def scored_location(location: str, overwrite: bool) -> str:
    """Where a scored log goes: over the original, or beside it with a `-scored` suffix.

    A log that already has the suffix is always overwritten.
    """
    if overwrite:
        return location
    stem, dot, ext = location.rpartition(".")
    if not dot:
        stem, ext = location, ""
    if stem.endswith("-scored"):
        return location
    return f"{stem}-scored.{ext}" if ext else f"{stem}-scored"
