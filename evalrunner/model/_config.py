"""Generation config: what changes a model's answer and how requests are made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _bounds(description: str | None = None, **keywords: Any) -> Any:
    """An optional field whose bounds the suite's JSON Schema checks (`minimum=0`...)."""
    return Field(None, description=description, json_schema_extra=keywords)


def out_of_bounds(number: float, bounds: dict[str, Any]) -> str | None:
    """What is wrong with a number against a field's schema bounds (`minimum`...), or None."""
    if "minimum" in bounds and number < bounds["minimum"]:
        return f"is below the minimum of {bounds['minimum']}"
    if "exclusiveMinimum" in bounds and number <= bounds["exclusiveMinimum"]:
        return f"must be more than {bounds['exclusiveMinimum']}"
    if "maximum" in bounds and number > bounds["maximum"]:
        return f"is above the maximum of {bounds['maximum']}"
    if "exclusiveMaximum" in bounds and number >= bounds["exclusiveMaximum"]:
        return f"must be less than {bounds['exclusiveMaximum']}"
    return None


def config_problems(config: GenerateConfig) -> list[tuple[str, str]]:
    """(field, problem) for each number of a config outside its schema bounds: the checks a
    suite's `config:` gets from the schema, for a config made in code or from options."""
    problems = []
    for name in GenerateConfig.model_fields:
        value = getattr(config, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            extra = GenerateConfig.model_fields[name].json_schema_extra
            problem = out_of_bounds(value, extra if isinstance(extra, dict) else {})
            if problem is not None:
                problems.append((name, f"{value} {problem}"))
    return problems


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


class ResponseSchema(BaseModel):
    """Structured output: the reply must be JSON matching `json_schema`.

    `file` names a JSON (or YAML) file holding the schema instead, relative to the suite.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field("response", pattern=r"^[A-Za-z0-9_-]+$")
    description: str | None = None
    json_schema: dict[str, Any] = Field(default_factory=dict)
    file: str | None = Field(None, exclude=True, description="A JSON or YAML file holding "
                             "the schema, relative to the suite (instead of json_schema).")
    strict: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_file(cls, value: Any) -> Any:
        if isinstance(value, dict) and "file" in value:
            value = dict(value)
            if "json_schema" in value:
                raise ValueError("give json_schema or file, not both")
            value["json_schema"] = _read_schema(str(value.pop("file")))
        elif isinstance(value, dict) and not value.get("json_schema"):
            raise ValueError("give json_schema (the schema) or file (a file holding it)")
        return value

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError

        if not value:
            raise ValueError("json_schema is empty")
        try:
            Draft202012Validator.check_schema(value)
        except SchemaError as ex:
            where = "/".join(str(p) for p in ex.path)
            raise ValueError(f"not a valid JSON Schema{f' at {where}' if where else ''}: "
                             f"{ex.message}") from None
        return value


def _read_schema(name: str) -> dict[str, Any]:
    import yaml

    from ..template import suite_folder

    path = Path(name)
    if not path.is_absolute() and (folder := suite_folder()) is not None:
        path = folder / path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as ex:
        raise ValueError(f"cannot read the schema file {name}: {ex.strerror}") from None
    try:
        value = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as ex:
        raise ValueError(f"the schema file {name} is not valid JSON/YAML: {ex}") from None
    if not isinstance(value, dict):
        raise ValueError(f"the schema file {name} does not hold a JSON object")
    return value


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
    response_schema: ResponseSchema | None = None
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
        # Values as objects (not dumped): a nested config stays a model, not a dict.
        return self.model_copy(update={k: v for k, v in other if v is not None})

    def set_fields(self) -> dict[str, Any]:
        """The fields that are set, for logs and for wire formats."""
        return self.model_dump(exclude_none=True)


# Options about the connection, not the answer: they never reach a request body
# and never take part in a cache key.
CONNECTION_FIELDS = frozenset(
    {"max_retries", "timeout", "max_connections", "cache", "batch"}
)


def config_error_text(error: Any, known: Any = None) -> str:
    """One pydantic error of a config as plain text, with a suggestion for a misspelt key.

    `known` are the keys that would have been accepted (default: GenerateConfig's fields).
    """
    import difflib

    loc = ".".join(str(p) for p in error["loc"])
    if error["type"] == "extra_forbidden":
        names = sorted(known if known is not None else GenerateConfig.model_fields)
        close = difflib.get_close_matches(str(error["loc"][-1]), names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key '{loc}'{hint}"
    return f"{loc}: {error['msg']}" if loc else str(error["msg"])
