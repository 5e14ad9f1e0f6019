"""Running one sample through the plan and the scorers."""

from __future__ import annotations

import asyncio
import time
import traceback
from dataclasses import dataclass

from .._util.secrets import redact
from ..dataset._sample import Sample
from ..log._model import EvalError, EvalSample
from ..model._cache import cache_epoch
from ..model._model import UsageRecorder, active_recorders
from ..scorers._score import Score
from ..scorers._scorer import Scorer
from ..solvers._compaction import CompactionConfig, compaction_scope
from ..solvers._scoring import scorer_scope
from ..solvers._solver import Solver
from ..solvers._store import sample_scope
from ..solvers._task_state import TaskState
from ..spec._model import LimitsDef
from ._generate import task_generate


@dataclass
class Plan:
    """A task's solvers and scorers, created once per run."""

    steps: list[Solver]
    finish: Solver | None
    scorers: list[tuple[str, Scorer]]
    limits: LimitsDef
    compaction: CompactionConfig | None = None


def error_of(ex: BaseException) -> EvalError:
    """The log's record of an exception, with any known secret removed."""
    return EvalError(
        message=redact(f"{type(ex).__name__}: {ex}"), traceback=redact(traceback.format_exc())
    )


async def run_sample(sample: Sample, epoch: int, model_name: str, plan: Plan) -> EvalSample:
    """Run the plan and score; an exception is recorded on the sample, never raised."""
    started = time.time()
    recorder = UsageRecorder()
    token = active_recorders.set((*active_recorders.get(), recorder))
    epoch_token = cache_epoch.set(epoch)  # cached answers are per epoch unless told otherwise
    state = TaskState(
        model=model_name,
        sample_id=sample.id if sample.id is not None else 0,
        epoch=epoch,
        input=sample.input,
        target=sample.target,
        choices=sample.choices,
        metadata=sample.metadata,
        message_limit=plan.limits.messages,
        token_limit=plan.limits.tokens,
    )
    error: EvalError | None = None
    limit: str | None = None
    scores: dict[str, Score] = {}
    try:
        with sample_scope(state), scorer_scope(plan.scorers), compaction_scope(plan.compaction):
            state, limit = await _solve(state, plan)
            scores = await _score(state, plan.scorers)
            state.scores = scores
    except Exception as ex:
        error = error_of(ex)
    finally:
        active_recorders.reset(token)
        cache_epoch.reset(epoch_token)
    return EvalSample(
        id=state.sample_id,
        epoch=epoch,
        input=sample.input,
        target=sample.target,
        choices=sample.choices,
        metadata=sample.metadata or {},
        messages=state.messages,  # type: ignore[arg-type]
        output=state.output,
        scores=scores,
        store=state.store,
        model_usage=recorder.usage,
        error=error,
        limit=limit or state.limit_reached,
        started_at=started,
        total_time=round(time.time() - started, 6),
        compactions=state.compactions,
    )


async def _solve(state: TaskState, plan: Plan) -> tuple[TaskState, str | None]:
    """Run the steps (until one completes the state) then the finish step, always.

    Returns the final state (a step may return a new one) and the limit that stopped it.
    """
    limit: str | None = None
    try:
        async with asyncio.timeout(plan.limits.seconds):
            for step in plan.steps:
                state = await step(state, task_generate)
                if state.completed:
                    break
    except TimeoutError:
        limit = "time"
    finally:
        # Also after a failing step (cleanup); that step's error is the one reported.
        if plan.finish is not None:
            state = await plan.finish(state, task_generate)
    return state, limit


async def _score(state: TaskState, scorers: list[tuple[str, Scorer]]) -> dict[str, Score]:
    results = await asyncio.gather(*(scorer(state, state.target) for _, scorer in scorers))
    return {name: score for (name, _), score in zip(scorers, results, strict=True)}


def sample_error_fails(errors: int, total: int, fail_on_error: bool | float | None) -> bool:
    """Whether `errors` sample errors fail the task (true: any; a fraction; a count)."""
    if errors == 0 or fail_on_error is False:
        return False
    if fail_on_error is None or fail_on_error is True:
        return True
    if fail_on_error < 1:
        return total > 0 and errors / total > fail_on_error
    return errors >= fail_on_error

