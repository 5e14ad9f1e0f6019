"""The eval log: one JSON document per task run (`evalrunner info log-schema`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..events._model import Event
from ..model._chat import ChatMessage
from ..model._output import ModelOutput, ModelUsage
from ..scorers._score import Score

LOG_VERSION = 1
Status = Literal["started", "success", "error", "cancelled"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class EvalDataset(_Model):
    name: str | None = None
    location: str | None = None
    samples: int | None = None
    hash: str | None = None
    shuffled: bool = False
    seed: int | None = None


class EvalStamp(_Model):
    """Hashes that make a run reproducible: what exactly was evaluated."""

    suite_hash: str | None = None
    task_hash: str | None = None
    dataset_hash: str | None = None
    templates: dict[str, str] = Field(default_factory=dict)
    python_files: dict[str, str] = Field(default_factory=dict)
    evalrunner_version: str | None = None


class EvalSpec(_Model):
    run_id: str
    task: str
    suite: str | None = None
    suite_file: str | None = None
    created: str
    model: str
    models: list[str] | None = None  # a run of several models: all of them, in order given
    model_args: dict[str, Any] = Field(default_factory=dict)
    # A role is provider/name, or a mapping with its own config: {model: ..., temperature: 0}
    model_roles: dict[str, str | dict[str, Any]] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    dataset: EvalDataset = Field(default_factory=EvalDataset)
    epochs: int = 1
    epochs_reducer: list[str] = Field(default_factory=lambda: ["mean"])
    limits: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    sample_ids: list[int | str] | None = None
    limit: list[int] | None = None
    stamp: EvalStamp = Field(default_factory=EvalStamp)
    model_base_url: str | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)  # the suite's and --fail-under
    shard: list[int] | None = None  # [i, n]: the samples at positions i, i+n, i+2n... (1-based)
    retry_of: list[str] | None = None  # the logs whose finished samples this one carries
    compaction: dict[str, Any] | None = None  # the task's `compaction:` setting
    merged_from: list[str] | None = None  # the shard logs that `logs merge` joined
    sandbox: dict[str, Any] | None = None  # the task's sandbox spec (samples may have their own)


class EvalPlanStep(_Model):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None
    key: str | None = None  # a metric's key of dict scores (`metrics: {key: [...]}`)


class EvalPlan(_Model):
    steps: list[EvalPlanStep] = Field(default_factory=list)
    finish: EvalPlanStep | None = None
    scorers: list[EvalPlanStep] = Field(default_factory=list)
    metrics: list[EvalPlanStep] = Field(default_factory=list)


class EvalMetric(_Model):
    name: str
    value: float | int | None


class EvalScore(_Model):
    name: str
    scorer: str
    reducer: str | None = None
    scored_samples: int = 0
    unscored_samples: int = 0
    unscored_reason: str | None = None  # why the first unscored sample got no value
    metrics: dict[str, EvalMetric] = Field(default_factory=dict)


class EvalThreshold(_Model):
    """One gate: a metric name (`accuracy` or `scorer/accuracy`) and its minimum."""

    name: str
    minimum: float
    passed: bool
    values: dict[str, float | int | None] = Field(default_factory=dict)  # metrics it matched
    message: str | None = None  # why it failed


class EvalResults(_Model):
    total_samples: int = 0
    completed_samples: int = 0
    error_samples: int = 0
    scores: list[EvalScore] = Field(default_factory=list)
    thresholds: list[EvalThreshold] = Field(default_factory=list)
    missed_thresholds: list[str] = Field(default_factory=list)
    # What the task's early stopping manager skipped: {manager, early_stops, metadata}.
    early_stopping: dict[str, Any] | None = None


class ModelCallStats(_Model):
    calls: int = 0
    retries: int = 0
    rate_limits: int = 0
    errors: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    # The endpoint's adaptive connection limit: its bound, its value at the end of the
    # task and the lowest it reached (below the bound when the provider refused for load).
    max_connections: int | None = None
    connection_limit: int | None = None
    lowest_connection_limit: int | None = None

    def __add__(self, other: ModelCallStats) -> ModelCallStats:
        """Two runs' stats (shards of one run): counts added, the connection figures of
        the one the provider held back most."""
        counts = {
            name: getattr(self, name) + getattr(other, name)
            for name, info in ModelCallStats.model_fields.items() if info.annotation is int
        }
        held = min((self, other), key=lambda s: s.lowest_connection_limit or 1 << 30)
        return ModelCallStats(
            **counts, max_connections=held.max_connections,
            connection_limit=held.connection_limit,
            lowest_connection_limit=held.lowest_connection_limit,
        )


class ReplicaCounts(_Model):
    """Requests sent to one model-server replica, those that failed, and times taken out."""

    requests: int = 0
    failures: int = 0
    removals: int = 0

    def __add__(self, other: ReplicaCounts) -> ReplicaCounts:
        return ReplicaCounts(**{k: getattr(self, k) + getattr(other, k)
                                for k in ReplicaCounts.model_fields})


class EvalStats(_Model):
    started_at: str | None = None
    completed_at: str | None = None
    model_usage: dict[str, ModelUsage] = Field(default_factory=dict)
    models: dict[str, ModelCallStats] = Field(default_factory=dict)
    # Per base URL, when a model names several replicas (`base_urls`).
    replicas: dict[str, ReplicaCounts] = Field(default_factory=dict)


class EvalError(_Model):
    message: str
    traceback: str | None = None


class LoggingMessage(_Model):
    level: str
    message: str
    created: float
    name: str | None = None


class Compaction(_Model):
    """One time `compaction:` shortened a sample's conversation."""

    strategy: str
    at_message: int  # the conversation's length when it happened
    tokens_before: int  # estimated (about four characters a token)
    tokens_after: int
    messages_removed: int = 0
    tool_results_dropped: int = 0
    summary: str | None = None


class EvalSample(_Model):
    id: int | str
    epoch: int = 1
    input: str | list[ChatMessage]
    target: str | list[str] = ""
    choices: list[str] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    messages: list[ChatMessage] = Field(default_factory=list)
    output: ModelOutput = Field(default_factory=ModelOutput)
    scores: dict[str, Score] = Field(default_factory=dict)
    store: dict[str, Any] = Field(default_factory=dict)
    model_usage: dict[str, ModelUsage] = Field(default_factory=dict)
    error: EvalError | None = None
    error_retries: list[EvalError] | None = None  # the failed tries of --retry-on-error
    limit: str | None = None
    started_at: float | None = None
    total_time: float | None = None
    events: list[Event] = Field(default_factory=list)
    # Each time `compaction:` shortened the conversation (the messages above are the
    # conversation as it ended, compacted).
    compactions: list[Compaction] = Field(default_factory=list)


class EvalLog(_Model):
    """A whole log; `samples` is empty when read with `header_only=True`."""

    version: int = LOG_VERSION
    status: Status = "started"
    eval: EvalSpec
    plan: EvalPlan = Field(default_factory=EvalPlan)
    samples: list[EvalSample] = Field(default_factory=list)
    results: EvalResults | None = None
    stats: EvalStats = Field(default_factory=EvalStats)
    logging: list[LoggingMessage] = Field(default_factory=list)
    error: EvalError | None = None
    location: str | None = Field(default=None, exclude=True)
