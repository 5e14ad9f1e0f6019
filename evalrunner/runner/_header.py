"""Setting up a task run: models, plan, dataset, and the log header that records them."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from .. import __version__
from ..dataset import Dataset, read_dataset
from ..dataset._sample import Sample
from ..log._model import (
    EvalDataset,
    EvalLog,
    EvalPlan,
    EvalPlanStep,
    EvalSpec,
    EvalStamp,
    EvalStats,
    ModelCallStats,
)
from ..model._batch import DEFAULT_SIZE as DEFAULT_BATCH_SIZE
from ..model._batch import batch_config
from ..model._config import GenerateConfig
from ..model._model import Model, ModelStats
from ..scorers._early_stopping import EarlyStopping
from ..scorers._scorer import Scorer, ScorerMetrics
from ..solvers._solver import Solver
from ..suite._model import LimitsDef, TaskDef
from ..tools._approval import ApprovalPolicy
from ._build import TaskParts, build_task
from ._capture import LogCapture
from ._options import RunOptions
from ._shard import shard_samples


@dataclass
class RunSetup:
    """Everything a task run needs, created before the first sample."""

    run_id: str
    created: str
    location: str
    model_name: str
    model: Model | None
    roles: dict[str, Model]
    config: GenerateConfig
    steps: list[Solver]
    finish: Solver | None
    scorers: list[tuple[str, Scorer]]
    metrics: dict[str, ScorerMetrics]
    dataset: Dataset
    samples: Iterator[Sample]
    total: int | None
    epochs: int
    max_samples: int
    log_capture: LogCapture
    templates: dict[str, str] = field(default_factory=dict)
    step_names: list[str] = field(default_factory=list)
    approval: ApprovalPolicy | None = None
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    limits: LimitsDef = field(default_factory=LimitsDef)
    early_stopping: EarlyStopping | None = None


async def setup_run(
    task: TaskDef, options: RunOptions, parts: TaskParts | None = None,
    dataset: Dataset | None = None,
) -> RunSetup:
    """The sample stream and the run's figures, on the preflight's `parts` and `dataset`;
    what is not given is made here (file reads in a thread)."""
    return await asyncio.to_thread(_setup, task, options, parts, dataset)


def _setup(
    task: TaskDef, options: RunOptions, parts: TaskParts | None, dataset: Dataset | None
) -> RunSetup:
    parts = parts or build_task(task, options)
    dataset = dataset or read_dataset(task.dataset, task.base_dir)
    samples, total = _select(dataset, options)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    run_id = uuid.uuid4().hex[:16]
    model, config = parts.model, parts.config
    max_conn = config.max_connections or (model.api.max_connections() if model else 10)
    batch = batch_config(config.batch)
    if batch is not None:
        # Requests wait in the batch queue, not on a connection: keep a batch's worth of
        # samples in flight or batches would never fill.
        max_conn = max(max_conn, batch.size or DEFAULT_BATCH_SIZE)
    return RunSetup(
        run_id=run_id,
        created=created,
        location=log_location(options.log_dir, created, task.name, run_id,
                              options.log_format),
        model_name=parts.model_name,
        model=model,
        roles=parts.roles,
        config=config,
        steps=parts.steps,
        finish=parts.finish,
        scorers=parts.scorers,
        metrics=parts.metrics,
        dataset=dataset,
        samples=samples,
        total=total,
        epochs=options.epochs or task.epochs.count,
        max_samples=max(1, options.max_samples or max_conn),
        log_capture=LogCapture(options.log_level),
        templates=parts.templates,
        step_names=[ref.id or ref.name for ref in task.steps],
        approval=parts.approval,
        prices=parts.prices,
        limits=task.limits.merge(options.limits),
        early_stopping=parts.early_stopping,
    )


def log_location(log_dir: str, created: str, task: str, run_id: str,
                 log_format: str = "json") -> str:
    """Where a task's log goes: the creation time, task and run id make its name; its
    suffix is the format (`.json` evalrunner's, `.eval` Inspect's)."""
    suffix = ".eval" if log_format == "eval" else ".json"
    stem = f"{created.replace(':', '-').replace('+00-00', '')}_{task}_{run_id}{suffix}"
    return f"{log_dir.rstrip('/')}/{stem}"


def _select(dataset: Dataset, options: RunOptions) -> tuple[Iterator[Sample], int | None]:
    """Apply --limit and --sample-id to the sample stream (positions are 1-based)."""
    samples: Iterator[Sample] = iter(dataset)
    total = len(dataset) if hasattr(dataset, "__len__") else None
    if options.limit is not None:
        first, last = options.limit
        samples = islice(samples, first - 1, last)
        if total is not None:
            total = max(0, min(total, last) - first + 1)
    if options.sample_ids is not None:
        wanted = set(options.sample_ids)
        samples = (s for s in samples if str(s.id) in wanted)
        total = len(wanted) if total is None else min(total, len(wanted))
    if options.shard is not None:
        samples, total = shard_samples(samples, total, *options.shard)
    return samples, total


def build_header(task: TaskDef, options: RunOptions, run: RunSetup) -> EvalLog:
    """The log's header: what is being run, with hashes that pin it down."""
    ds = run.dataset
    spec = EvalSpec(
        run_id=run.run_id,
        task=task.name,
        suite=task.suite_name,
        suite_file=str(task.suite_file),
        created=run.created,
        model=run.model_name,
        models=list(options.models) if options.models else None,
        model_args={**task.model_args, **options.model_args},
        model_roles={**task.model_roles, **options.model_roles},
        params=task.params,
        config=run.config.set_fields(),
        dataset=EvalDataset(
            name=ds.name, location=ds.location, samples=run.total, hash=ds.hash,
            shuffled=ds.shuffled, seed=ds.seed,
        ),
        epochs=run.epochs,
        epochs_reducer=task.epochs.reducers,
        limits={k: v for k, v in vars(run.limits).items() if v is not None},
        tags=task.tags,
        sandbox=task.sandbox.model_dump(exclude_defaults=True) if task.sandbox else None,
        sample_ids=list(options.sample_ids) if options.sample_ids else None,
        limit=list(options.limit) if options.limit else None,
        model_base_url=options.model_base_url,
        thresholds={**task.thresholds, **options.fail_under},
        shard=list(options.shard) if options.shard else None,
        retry_of=options.retry_of,
        compaction=task.compaction,
        stamp=EvalStamp(
            suite_hash=_file_hash(task.suite_file),
            task_hash=task.resolved_hash,
            dataset_hash=ds.hash,
            templates=run.templates,
            python_files=_python_files(task),
            evalrunner_version=__version__,
        ),
    )
    plan = EvalPlan(
        steps=[EvalPlanStep(**ref.describe()) for ref in task.steps],
        finish=EvalPlanStep(**task.finish.describe()) if task.finish else None,
        scorers=[EvalPlanStep(**ref.describe()) for ref in task.scorers],
        metrics=[EvalPlanStep(**ref.describe()) for ref in task.metrics],
    )
    return EvalLog(eval=spec, plan=plan, stats=EvalStats(started_at=run.created))


def failed_header(task: TaskDef, options: RunOptions) -> EvalLog:
    """The header of a task whose setup failed: what was asked for, where its log goes."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    run_id = uuid.uuid4().hex[:16]
    spec = EvalSpec(
        run_id=run_id, task=task.name, suite=task.suite_name, suite_file=str(task.suite_file),
        created=created, model=options.model or task.model or "none",
        model_args={**task.model_args, **options.model_args},
        model_roles={**task.model_roles, **options.model_roles}, params=task.params,
        tags=task.tags, retry_of=options.retry_of,
        stamp=EvalStamp(suite_hash=_file_hash(task.suite_file), task_hash=task.resolved_hash,
                        evalrunner_version=__version__),
    )
    log = EvalLog(eval=spec, stats=EvalStats(started_at=created))
    log.location = log_location(options.log_dir, created, task.name, run_id,
                                options.log_format)
    return log


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _python_files(task: TaskDef) -> dict[str, str]:
    refs = [*task.steps, *task.scorers, *task.metrics, *([task.finish] if task.finish else [])]
    files = {ref.info.source_file for ref in refs if ref.info.source_file is not None}
    return {str(f): h for f in sorted(files) if (h := _file_hash(f)) is not None}


# The call counters a log's model stats share with ModelStats.
COUNTERS = ("calls", "retries", "rate_limits", "errors", "cache_hits", "cache_misses")


def add_counts(stats: ModelStats, calls: ModelCallStats) -> None:
    """Add a log's call counters (another unit's, an earlier run's) to `stats`."""
    for name in COUNTERS:
        setattr(stats, name, getattr(stats, name) + getattr(calls, name))


def connection_figures(s: ModelStats) -> dict[str, int]:
    limit = s.limit
    if limit is None:
        return {}
    return {"max_connections": limit.maximum, "connection_limit": limit.current,
            "lowest_connection_limit": limit.lowest}


def stats_of(scope: dict[str, ModelStats], stats: EvalStats) -> EvalStats:
    """Token usage and call counts of every model the task used (its own calls only)."""
    stats.completed_at = datetime.now(UTC).isoformat(timespec="seconds")
    for name, s in scope.items():
        if s.calls == 0 and s.errors == 0 and s.cache_hits == 0 and not s.usage.total_tokens:
            continue
        stats.model_usage[name] = s.usage
        stats.models[name] = ModelCallStats(
            **{field: getattr(s, field) for field in COUNTERS},
            **connection_figures(s),
        )
    return stats


