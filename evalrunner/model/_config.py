"""Generation config: what changes a model's answer and how requests are made."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _bounds(description: str | None = None, **keywords: Any) -> Any:
    """An optional field whose bounds the suite's JSON Schema checks (`minimum=0`...)."""
    return Field(None, description=description, json_schema_extra=keywords)


class BatchConfig(BaseModel):
    """How requests are grouped for a provider's batch API (`--batch`).

    `None` fields take the provider's default: size 100, send_delay 15 s, tick 15 s,
    max_batches 100.
    """

    model_config = ConfigDict(extra="forbid")

    size: int | None = _bounds("Requests per batch.", minimum=1)
    send_delay: float | None = _bounds(
        "Longest wait (seconds) before a partly filled batch is sent.", minimum=0
    )
    tick: float | None = _bounds(
        "Seconds between checks of the queue and of running batches.", exclusiveMinimum=0
    )
    max_batches: int | None = _bounds("Batches in flight at once.", minimum=1)


# `batch: 1000` is a batch size.
_BatchSize = Annotated[int, Field(ge=1)]


class GenerateConfig(BaseModel):
    """Options for one generate call. `None` means "not set": a lower layer decides.

    Layers merge with `merge`: CLI over task over suite over provider default.
    """

    model_config = ConfigDict(extra="forbid")

    max_retries: int | None = _bounds(minimum=0)
    timeout: float | None = _bounds(exclusiveMinimum=0)
    max_connections: int | None = _bounds(minimum=1)
    system_message: str | None = None
    max_tokens: int | None = _bounds(minimum=1)
    top_p: float | None = None
    top_k: int | None = None
    temperature: float | None = _bounds(minimum=0)
    stop_seqs: list[str] | None = None
    best_of: int | None = _bounds(minimum=1)
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    logit_bias: dict[int, float] | None = _bounds(propertyNames={"pattern": "^-?[0-9]+$"})
    seed: int | None = None
    num_choices: int | None = _bounds(minimum=1)
    logprobs: bool | None = None
    top_logprobs: int | None = _bounds(minimum=0)
    parallel_tool_calls: bool | None = None
    max_tool_output: int | None = _bounds(minimum=0)
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    reasoning_tokens: int | None = _bounds(minimum=0)
    # OpenAI (Responses API): ask for a summary of the reasoning.
    reasoning_summary: Literal["none", "concise", "detailed", "auto"] | None = None
    # Which earlier reasoning goes back to the model: none, all, the last turn's, or auto
    # (what the provider's API expects).
    reasoning_history: Literal["none", "all", "last", "auto"] | None = None
    # Anthropic: mark the system prompt, tools and conversation so far as cacheable
    # ("auto", the default: when tools are sent).
    cache_prompt: Literal["auto"] | bool | None = None
    cache: bool | dict[str, Any] | None = None
    # Send requests through the provider's batch API: true, a batch size, or a BatchConfig.
    batch: BatchConfig | None = None

    @field_validator("cache")
    @classmethod
    def _cache_policy(cls, value: Any) -> Any:
        # A bad policy (unknown option, malformed expiry) fails when the suite loads.
        from ._cache import cache_policy

        cache_policy(value)
        return value

    @field_validator(
        "batch", mode="before", json_schema_input_type=bool | _BatchSize | BatchConfig | None
    )
    @classmethod
    def _batch_shorthand(cls, value: Any) -> Any:
        # `batch: true` and `batch: 1000` are shorthands, as on the command line.
        if value is True:
            return BatchConfig()
        if value is False:
            return None
        if isinstance(value, int):
            return BatchConfig(size=value)
        return value

    def merge(self, other: GenerateConfig | None) -> GenerateConfig:
        """A copy of self with every field that `other` sets taking precedence."""
        if other is None:
            return self
        return self.model_copy(update=other.model_dump(exclude_none=True))

    def set_fields(self) -> dict[str, Any]:
        """The fields that are set, for logs and for wire formats."""
        return self.model_dump(exclude_none=True)


# Options about the connection, not the answer: they never reach a request body
# and never take part in a cache key.
CONNECTION_FIELDS = frozenset(
    {"max_retries", "timeout", "max_connections", "cache", "batch"}
)
