"""Running one sample through the plan and the scorers."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from .._util.secrets import redact
from ..dataset._sample import Sample
from ..events._limits import LimitExceededError, SampleLimits, limits_scope
from ..events._model import ErrorEvent, LimitEvent
from ..events._transcript import (
    Transcript,
    record,
    record_store_changes,
    snapshot,
    span,
    transcript_scope,
)
from ..log._model import EvalError, EvalSample
from ..model._cache import cache_epoch
from ..model._model import UsageRecorder, active_recorders
from ..sandbox import TaskSandboxes
from ..scorers._score import Score
from ..scorers._scorer import Scorer
from ..solvers._compaction import CompactionConfig, compaction_scope
from ..solvers._scoring import scorer_scope
from ..solvers._solver import Solver
from ..solvers._store import sample_scope
from ..solvers._task_state import TaskState
from ..suite._model import LimitsDef
from ..tools._approval import ApprovalPolicy, approval_scope
from ..tools._lifetime import resource_scope
from ._generate import task_generate


@dataclass
class Plan:
    """A task's solvers and scorers, created once per run, with its limits and policies."""

    steps: list[Solver]
    finish: Solver | None
    scorers: list[tuple[str, Scorer]]
    limits: LimitsDef
    step_names: list[str] = field(default_factory=list)
    approval: ApprovalPolicy | None = None
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    # Each sample's sandboxes (a task without any still refuses samples with files/setup).
    sandboxes: TaskSandboxes = field(default_factory=lambda: TaskSandboxes(None, Path(), ""))
    compaction: CompactionConfig | None = None
    cleanup: Callable[[TaskState], Awaitable[None]] | None = None  # a Python task's

    def step_name(self, index: int) -> str:
        return self.step_names[index] if index < len(self.step_names) else f"step {index + 1}"


def error_of(ex: BaseException) -> EvalError:
    """The log's record of an exception, with any known secret removed."""
    return EvalError(
        message=redact(f"{type(ex).__name__}: {ex}"), traceback=redact(traceback.format_exc())
    )


async def run_sample(sample: Sample, epoch: int, model_name: str, plan: Plan) -> EvalSample:
    """Run the plan and score; an exception is recorded on the sample, never raised."""
    started = time.time()
    limits = plan.limits.merge(sample.limits)
    events = Transcript()
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
        message_limit=limits.messages,
        token_limit=limits.tokens,
    )
    error: EvalError | None = None
    limit: str | None = None
    scores: dict[str, Score] = {}
    try:
        with transcript_scope(events), sample_scope(state), scorer_scope(plan.scorers), \
                compaction_scope(plan.compaction):
            # The sandbox outlives the plan: scorers read what the agent left in it.
            async with plan.sandboxes.sample(sample.sandbox, sample.files, sample.setup):
                async with resource_scope("sample"):
                    state, limit = await _solve(state, plan, limits)
                with span("scorers", "scorers"):
                    scores = await _score(state, plan.scorers)
                state.scores = scores
    except Exception as ex:
        error = error_of(ex)
        events.add(ErrorEvent(message=error.message))
    finally:
        if plan.cleanup is not None:  # after the scorers, also when the sample failed
            failed = await _cleanup(plan.cleanup, state, events)
            error = error or failed
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
        events=events.events,  # type: ignore[arg-type]
        compactions=state.compactions,
    )


async def _cleanup(cleanup: Callable[[TaskState], Awaitable[None]], state: TaskState,
                   events: Transcript) -> EvalError | None:
    """A task's cleanup; its own failure is the sample's error only if nothing else was."""
    try:
        with transcript_scope(events), sample_scope(state):
            await cleanup(state)
    except Exception as ex:
        failed = error_of(ex)
        events.add(ErrorEvent(message=failed.message))
        return failed
    return None


async def _solve(state: TaskState, plan: Plan, limits: LimitsDef
                 ) -> tuple[TaskState, str | None]:
    """Run the steps (until one completes the state) then the finish step, always.

    Returns the final state (a step may return a new one) and the limit that stopped it.
    Each step is a span of the sample's events, followed by the changes it made to the store.
    """
    limit: str | None = None
    tally = SampleLimits(turns=limits.turns, tokens=limits.tokens, cost=limits.cost,
                         working=limits.working, prices=plan.prices)
    stored = snapshot(state.store)
    try:
        with limits_scope(tally), approval_scope(plan.approval):
            async with asyncio.timeout(limits.seconds):
                for index, step in enumerate(plan.steps):
                    with span("step", plan.step_name(index)):
                        try:
                            state = await step(state, task_generate)
                        finally:
                            stored = record_store_changes(stored, state.store)
                    if state.completed:
                        break
    except TimeoutError:
        limit = "time"
        record(LimitEvent(type="time", limit=limits.seconds,
                          message=f"time limit of {limits.seconds:g}s reached"))
    except LimitExceededError as ex:
        limit = ex.type
        record(LimitEvent(type=ex.type, limit=ex.limit, message=str(ex)))
    finally:
        # Also after a failing step (cleanup); that step's error is the one reported.
        if plan.finish is not None:
            with span("step", "finish"), approval_scope(plan.approval):
                state = await plan.finish(state, task_generate)
            record_store_changes(stored, state.store)
    # A step that reached a limit without a further call: the tally says which (its scope
    # has ended, so it is asked, not the state).
    reached = state.limit_reached or ("tokens" if tally.tokens_reached() else None)
    if limit is None and reached is not None:
        limit = reached
        value = limits.messages if reached == "messages" else tally.tokens
        record(LimitEvent(type=reached, limit=value, message=f"{reached} limit of {value} reached"))
    return state, limit


async def _score(state: TaskState, scorers: list[tuple[str, Scorer]]) -> dict[str, Score]:
    if len(scorers) == 1:  # the common case, without a task per scorer
        name, scorer = scorers[0]
        return {name: await scorer(state, state.target)}
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

