"""What a loaded suite compiles to: typed task definitions with resolved components."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model._config import GenerateConfig
from ..registry import RegistryInfo
from ..sandbox._spec import SandboxSpec


@dataclass(frozen=True)
class SourcePos:
    """Where something was written: 1-based line and column in a file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        # Line 0: not a file but a command-line option or a name (`--model`).
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file


@dataclass
class SpecError:
    """One problem found in a suite, reported as `file:line:column: message`."""

    pos: SourcePos
    message: str
    severity: str = "error"  # or "warning"
    extra: str | None = None  # the optional extra whose absence this error is

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.pos}: {tag}{self.message}"


class SpecErrors(Exception):
    """Every error found in one or more suite files, in file order."""

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ComponentRef:
    """A plan step, scorer, metric or tool as written: a resolved name with its arguments."""

    kind: str
    name: str
    info: RegistryInfo
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    pos: SourcePos | None = None
    base_dir: Path | None = None
    key: str | None = None  # a metric of one key of dict scores (`metrics: {key: [...]}`)
    # Where each argument was written, by parameter name (for template checks).
    arg_pos: dict[str, SourcePos] = field(default_factory=dict)
    # Components written inside the arguments (`chain: [...]`), compiled for checks only:
    # the factory still receives the arguments as written.
    nested: list[ComponentRef] = field(default_factory=list)

    def create(self) -> Any:
        """Call the factory; templates it names are looked up from the suite's folder."""
        from ..template import template_search

        if self.base_dir is None:
            return self.info.obj(*self.args, **self.kwargs)
        with template_search(self.base_dir):
            return self.info.obj(*self.args, **self.kwargs)

    def describe(self) -> dict[str, Any]:
        """Name and arguments as they go into a log."""
        out: dict[str, Any] = {"name": self.name}
        if self.args or self.kwargs:
            out["args"] = {**{f"${i}": a for i, a in enumerate(self.args)}, **self.kwargs}
        if self.id:
            out["id"] = self.id
        if self.key is not None:
            out["key"] = self.key
        return out


@dataclass
class EpochsDef:
    count: int = 1
    reducers: list[str] = field(default_factory=lambda: ["mean"])


@dataclass
class LimitsDef:
    """A sample's limits: messages, tokens, wall-clock and working seconds, turns, cost (USD)."""

    messages: int | None = None
    tokens: int | None = None
    seconds: float | None = None
    working: float | None = None
    turns: int | None = None
    cost: float | None = None

    def merge(self, other: LimitsDef | dict[str, Any] | None) -> LimitsDef:
        """A copy with every limit `other` sets taking precedence."""
        given = vars(other) if isinstance(other, LimitsDef) else dict(other or {})
        # An unknown name is the schema's error to report (located); skip it here.
        known = vars(self)
        return LimitsDef(**{**known, **{k: v for k, v in given.items()
                                        if v is not None and k in known}})


@dataclass
class TaskDef:
    """One task of a suite, with suite-level defaults already applied."""

    name: str
    suite_name: str
    suite_file: Path
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)  # other scalar keys and x- keys
    dataset: dict[str, Any] = field(default_factory=dict)  # interpolated, as written
    dataset_pos: SourcePos | None = None
    plan: list[ComponentRef] = field(default_factory=list)
    finish: ComponentRef | None = None
    # A Python task's `setup` steps (run before the plan, kept when --solver replaces it)
    # and `cleanup(state)`, awaited after each sample's scorers.
    setup: list[ComponentRef] = field(default_factory=list)
    cleanup: Callable[[Any], Awaitable[None]] | None = None
    tools: dict[str, dict[str, Any]] = field(default_factory=dict)  # declared in YAML
    sandbox: SandboxSpec | None = None  # the task's (or the suite's); samples may override
    scorers: list[ComponentRef] = field(default_factory=list)
    metrics: list[ComponentRef] = field(default_factory=list)
    model: str | None = None
    models: list[str] = field(default_factory=list)  # `model: [a, b]`: one run per model
    # Set when the task was compiled for one model of several (`${{ model }}` read): all
    # the run's models; `model` is this copy's.
    run_models: list[str] = field(default_factory=list)
    model_args: dict[str, Any] = field(default_factory=dict)
    model_roles: dict[str, Any] = field(default_factory=dict)  # provider/name or a mapping
    config: GenerateConfig = field(default_factory=GenerateConfig)
    params: dict[str, Any] = field(default_factory=dict)
    epochs: EpochsDef = field(default_factory=EpochsDef)
    limits: LimitsDef = field(default_factory=LimitsDef)
    compaction: dict[str, Any] | None = None  # checked by CompactionConfig when compiled
    # Tool-name pattern -> approver entry; model name -> USD per million input/output tokens.
    approval: dict[str, Any] = field(default_factory=dict)
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    fail_on_error: bool | float | None = None
    early_stopping: Any = None  # {agree: N} or a manager factory's entry, as written
    thresholds: dict[str, float] = field(default_factory=dict)
    pos: SourcePos | None = None
    # Where keys were written, for errors found when the task is built: `model`,
    # `model_roles.<role>`, `thresholds.<name>`.
    where: dict[str, SourcePos] = field(default_factory=dict)
    resolved_hash: str = ""  # sha256 of the compiled task (names, args, config, params)

    @property
    def base_dir(self) -> Path:
        return self.suite_file.parent

    @property
    def steps(self) -> list[ComponentRef]:
        """What each sample runs, in order: the setup steps, then the plan."""
        return [*self.setup, *self.plan]


@dataclass
class Suite:
    """A loaded suite file."""

    file: Path
    name: str
    description: str | None
    tasks: list[TaskDef]
    file_hash: str
    warnings: list[SpecError] = field(default_factory=list)
