"""The suite file format as pydantic models: the one source of the suite JSON Schema.

The loader checks every interpolated suite against the schema generated from these models
(see `_generate.py`), and `schemas/suite.schema.json`, for editors, is the same schema with
`${{ }}` accepted as any value. To add a suite key, add a field to the model it belongs
to (and read it in `_compile.py`), then regenerate the checked-in schema with
`evalrunner info suite-schema > schemas/suite.schema.json` (a test says when it is stale).

Rules the generator adds, so the models need not say them: keys starting with `x-` are
free in every closed mapping (a model; maps of names opt in with `X_KEYS`), and `None` is
how a model says "optional", never a value a suite may write.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from ..model._config import GenerateConfig
from ..model._roles import ModelRole
from ..sandbox._spec import SandboxSpec
from ..solvers._compaction import CompactionConfig

# Maps whose keys are names evalrunner reads (roles, tools, metrics) keep `x-` keys free.
X_KEYS: dict[str, Any] = {"patternProperties": {"^x-": True}}


class Format(BaseModel):
    """A closed mapping of the suite format: an unknown key is an error."""

    model_config = ConfigDict(extra="forbid")


def _text(description: str) -> Any:
    """An optional key and what it means."""
    return Field(None, description=description)


def _names(description: str) -> Any:
    """An optional map of names evalrunner reads, where `x-` keys stay free."""
    return Field(None, description=description, json_schema_extra=X_KEYS)


NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
Name = Annotated[str, Field(
    pattern=NAME_PATTERN,
    description="Letters, digits, '_', '.' and '-' (it becomes part of log file names).",
)]
Key = Annotated[str, Field(pattern=r"^([A-Za-z_][A-Za-z0-9_]*|x-.*)$")]
NonEmpty = Annotated[str, Field(min_length=1)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveNumber = Annotated[float, Field(gt=0)]

Params = Annotated[dict[Key, Any], Field(
    description="Task parameters: read as ${{ params.name }}, overridden with -T name=value.",
)]
ModelName = Annotated[str | Annotated[list[str], Field(min_length=1)], Field(
    description="provider/model, e.g. openai/gpt-4o-mini, or a list of them (each task runs "
                "once per model); --model overrides it.",
)]
ModelArgs = Annotated[dict[str, Any], Field(
    description="Provider-specific model arguments (like -M k=v).",
)]
ModelRoles = Annotated[dict[str, str | ModelRole], Field(
    description="Models for named roles: grader: openai/gpt-4o, or a model with its own "
                "config: grader: {model: openai/gpt-4o, temperature: 0.5}.",
    json_schema_extra=X_KEYS,
)]
Config = Annotated[GenerateConfig, Field(description="Generation config.")]
SandboxKey = Annotated[str | SandboxSpec, Field(
    description="Where a sample's commands and files live: a backend name (docker, bwrap, "
    "local) or a mapping with its type and settings.",
)]


# Tools declared in YAML.

JsonType = Literal["string", "integer", "number", "boolean", "array", "object"]


class ToolParameterSpec(Format):
    type: JsonType
    description: str | None = None
    enum: list[Any] | None = None
    items: dict[str, Any] | None = None
    default: Any = Field(None, description="A parameter with a default is optional.")


ToolParameter = TypeAliasType("ToolParameter", JsonType | ToolParameterSpec)


class HttpRequest(Format):
    method: Literal[
        "GET", "POST", "PUT", "PATCH", "DELETE", "get", "post", "put", "patch", "delete"
    ] | None = None
    url: NonEmpty
    headers: dict[str, str] | None = None
    body: Any = _text("Text, or a mapping or list sent as JSON; strings in it are templates.")


class DeclaredTool(Format):
    description: NonEmpty = Field(description="What the model is told the tool does.")
    parameters: dict[Key, ToolParameter] | None = _names(
        "The arguments the model gives: name: type, or name: {type, description, enum, "
        "items, default}. A parameter with a default is optional."
    )
    params: dict[str, str] | None = _text(
        "Arguments filled from the sample, hidden from the model: name: metadata.key or "
        "store.key."
    )
    run: Annotated[list[str], Field(min_length=1)] | None = _text(
        "The command and its arguments, each a template over the arguments; run without "
        "a shell."
    )
    input: str | None = _text("Text sent to the command's standard input (a template).")
    cwd: str | None = _text(
        "Working folder, relative to the suite file (default: the suite's folder)."
    )
    env: dict[str, str] | None = _text("Variables set for the command.")
    pass_env: list[str] | None = _text(
        "Variables passed on from evalrunner's environment (names or globs); by default the "
        "command gets only PATH, HOME, locale and the like, never a key."
    )
    end_of_options: bool | None = _text(
        "Put -- before the first argument the model supplies (default true); false refuses "
        "a model argument starting with -."
    )
    http: HttpRequest | None = None
    timeout: PositiveNumber | None = _text("Seconds (default 60).")
    max_output: PositiveInt | None = _text("Characters of output kept.")
    prompt: str | None = _text("Added to the system message when the tool is in use.")


Tools = Annotated[dict[Key, DeclaredTool], Field(
    description="Tools declared in YAML, by name (use them with use_tools: [name]): a "
    "command (run) or an HTTP request (http).",
    json_schema_extra=X_KEYS,
)]


# Plan steps, scorers and metrics.

class ComponentOptions(BaseModel):
    """`name: value` or `name: {keyword: value}`, beside the reserved keys."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"minProperties": 1})

    if_: bool | None = Field(None, alias="if", description="Drop this entry when false.")
    id: str | None = _text("The entry's name in logs.")


Component = TypeAliasType("Component", NonEmpty | ComponentOptions)


class Grouped(Format):
    by: NonEmpty = Field(description="The metadata field whose values form the groups.")
    metric: Component | None = _text("The metric computed in each group (default accuracy).")
    all: bool | None = _text("Also compute it over every sample (default true).")


class MetricOptions(ComponentOptions):
    grouped: Grouped | None = _text(
        "A metric per value of a sample metadata field, plus one over all samples."
    )


Metric = TypeAliasType("Metric", NonEmpty | MetricOptions)


class PlanSteps(Format):
    steps: list[Component]
    finish: Component | None = _text("A step that always runs, even after an error.")


class Epochs(Format):
    count: PositiveInt
    reducer: NonEmpty | list[NonEmpty] | None = None


class Limits(Format):
    """A sample's limits; reaching one ends its plan, and it is still scored."""

    messages: PositiveInt | None = None
    tokens: PositiveInt | None = None
    seconds: PositiveNumber | None = None
    working: PositiveNumber | None = _text(
        "Seconds of work, not counting waits for a connection or a retry."
    )
    turns: PositiveInt | None = _text("Model calls.")
    cost: PositiveNumber | None = _text("US dollars, from the prices of the models.")


class Price(Format):
    input: Annotated[float, Field(ge=0)] | None = None
    output: Annotated[float, Field(ge=0)] | None = None


Prices = Annotated[dict[str, Price], Field(
    description="Model name to US dollars per million input and output tokens, for cost "
                "limits.", json_schema_extra=X_KEYS,
)]
Approver = Annotated[str, Field(min_length=1)] | Annotated[
    dict[str, dict[str, Any] | None], Field(min_length=1, max_length=1)]
Approval = Annotated[dict[str, Approver], Field(
    description="Tool-name patterns (bash, python*, *) mapped to an approver: auto, reject, "
                "human, file.py@name, or {name: {arguments}}. The first matching pattern "
                "decides; a call none matches is rejected.", json_schema_extra=X_KEYS,
)]


# Datasets.

class Fields(Format):
    """Record fields mapped onto a sample: a field name or a {{ Jinja }} expression."""

    input: str | None = None
    target: str | None = None
    choices: str | None = None
    id: str | None = None
    metadata: str | list[str] | dict[str, str] | None = _text(
        "Field names, or a mapping of metadata names to field names or expressions."
    )
    files: str | None = None
    setup: str | None = None
    sandbox: str | None = None


class ContentPart(Format):
    type: Literal["text", "image", "audio", "video"]
    text: str | None = None
    image: str | None = None
    detail: Literal["auto", "low", "high"] | None = None
    audio: str | None = _text("A file (relative to the dataset) or a data URL.")
    video: str | None = _text("A file (relative to the dataset) or a data URL.")
    format: Literal["wav", "mp3", "mp4", "mpeg", "mov"] | None = None


class Message(Format):
    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[ContentPart]
    tool_call_id: str | None = None
    function: str | None = None


class Sample(Format):
    """An inline sample (no fields or record_to_sample given)."""

    input: str | list[Message]
    target: str | float | list[str | float] | None = None
    choices: list[str | float] | None = None
    id: str | int | None = None
    metadata: dict[str, Any] | None = None
    files: dict[str, str] | None = _text(
        "Written into the sample's sandbox before its plan: path -> text, a file beside the "
        "dataset, or a data: URL."
    )
    setup: str | None = _text("A script run in the sample's sandbox before its plan.")
    sandbox: SandboxKey | None = _text("The sample's own sandbox, instead of the task's.")
    limits: Limits | None = _text("This sample's own limits, over the task's.")


class HfDataset(BaseModel):
    """A Hugging Face dataset (needs the hf extra); other keys pass to datasets.load_dataset."""

    model_config = ConfigDict(extra="allow")

    path: NonEmpty
    name: str | None = None
    split: str | None = None
    revision: str | None = None
    trust: bool | None = _text("Allow the dataset's own loading code to run.")


Record = Annotated[dict[str, Any], Field(
    description="An inline record, mapped onto a sample by fields or record_to_sample.",
)]


class Dataset(Format):
    """Where samples come from: exactly one of path, hf, samples, example."""

    model_config = ConfigDict(json_schema_extra={
        # Without fields or record_to_sample, inline records are samples as written.
        "if": {"anyOf": [{"required": ["fields"]}, {"required": ["record_to_sample"]}]},
        "else": {"properties": {"samples": {"items": {"$ref": "#/$defs/Sample"}}}},
    })

    path: NonEmpty | None = _text(
        ".csv .json .jsonl: local (relative to the suite file), file:// or any fsspec URL."
    )
    fields: Fields | None = None
    record_to_sample: NonEmpty | None = _text(
        "A function name (convert.py@record_to_sample) turning a record into a sample."
    )
    shuffle: bool | int | None = _text("true, or an integer seed.")
    limit: NonNegativeInt | None = None
    hf: HfDataset | None = None
    samples: list[Record] | None = None
    example: NonEmpty | None = _text("A dataset bundled with evalrunner.")


# Tasks and the suite.

class Task(Format):
    name: Name | None = _text(
        "Required when the suite has several tasks; a single task defaults to the suite's name."
    )
    description: str | None = None
    tags: list[str] | str | None = _text("Labels to select tasks with -F tag.")
    dataset: Dataset
    plan: list[Component] | PlanSteps | None = _text(
        "Solver steps, or {steps: [...], finish: step} where finish always runs."
    )
    scorer: Component | list[Component] | None = _text("One scorer entry or a list of them.")
    metrics: list[Metric] | dict[NonEmpty, list[Metric]] | None = _text(
        "Metric entries (accuracy, bootstrap_std: {num_samples: 1000}), or grouped: "
        "{by: field, metric: accuracy} for a metric per value of a sample metadata field; "
        "for a scorer whose values are dicts, {key: [metric entries]} per key."
    )
    model: ModelName | None = None
    model_args: ModelArgs | None = None
    model_roles: ModelRoles | None = None
    config: Config | None = None
    tools: Tools | None = None
    sandbox: SandboxKey | None = _text("The task's sandbox (samples may have their own).")
    params: Params | None = None
    epochs: PositiveInt | Epochs | None = _text(
        "How many times each sample runs: a count, or {count, reducer}."
    )
    limits: Limits | None = None
    compaction: CompactionConfig | None = _text(
        "Keep long conversations under the context window: drop old tool results, or "
        "summarise the oldest turns with a model."
    )
    approval: Approval | None = None
    prices: Prices | None = None
    early_stopping: NonEmpty | dict[str, Any] | None = _text(
        "Skip runs of samples already decided: {agree: N} stops a sample's epochs once N "
        "agree; or a manager's factory, file.py@name or {file.py@name: {arguments}}."
    )
    fail_on_error: bool | Annotated[float, Field(ge=0)] | None = _text(
        "true: any sample error fails the task; a number below 1: the tolerated fraction; "
        "1 or more: the tolerated count."
    )
    thresholds: dict[str, float] | None = _names(
        "Minimum metric values (like --fail-under metric=X)."
    )


class SuiteFile(Format):
    """A suite file: one or more evaluation tasks with shared defaults.

    Values may use ${{ expr }} interpolation over params, env and suite; keys starting
    with x- are user extensions and allowed anywhere.
    """

    name: Name | None = _text("The suite's name; defaults to the file's stem.")
    description: str | None = None
    params: Params | None = None
    model: ModelName | None = None
    model_args: ModelArgs | None = None
    model_roles: ModelRoles | None = None
    config: Config | None = None
    tools: Tools | None = None
    sandbox: SandboxKey | None = _text("The sandbox of every task (a task's own overrides it).")
    limits: Limits | None = _text("Limits of every task's samples.")
    approval: Approval | None = None
    prices: Prices | None = None
    tasks: Annotated[list[Task], Field(min_length=1)]
