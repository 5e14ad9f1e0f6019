"""Building a task's parts exactly as its run does: models, roles, plan, scorers, metrics.

A task's setup and the checks before a run (`validate`, and `run` before its first model
call) call the same `build_task`, so whatever would fail at setup fails up front, located
where it was written, every problem at once.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .._util.extras import MissingExtra
from ..model._config import GenerateConfig
from ..model._get import UnknownRoleError, get_model, model_context
from ..model._model import Model
from ..model._roles import role_model
from ..registry import CodeNotImported, UnknownNameError
from ..scorers._early_stopping import EarlyStopping, make_early_stopping
from ..scorers._scorer import Scorer, ScorerMetrics, chosen_metrics, metric_names
from ..solvers._solver import Solver
from ..solvers.builtin._entries import make_function
from ..suite._model import ComponentRef, SourcePos, SpecError, TaskDef
from ..template import template_search, used_templates
from ..tools._approval import ApprovalPolicy, make_policy
from ..tools._declared import declared_tools
from ._options import RunOptions


@dataclass
class TaskParts:
    """What a task's run is made of, built before its first sample."""

    model_name: str
    model: Model | None
    roles: dict[str, Model]
    config: GenerateConfig
    steps: list[Solver]
    finish: Solver | None
    scorers: list[tuple[str, Scorer]]
    metrics: dict[str, ScorerMetrics]
    templates: dict[str, str] = field(default_factory=dict)
    approval: ApprovalPolicy | None = None
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    early_stopping: EarlyStopping | None = None


class SetupErrors(Exception):
    """Every problem found building a task, each located."""

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class _Problems:
    """Collects located errors so one pass reports all of them."""

    def __init__(self, task: TaskDef) -> None:
        self.task = task
        self.errors: list[SpecError] = []
        self.failed_roles: set[str] = set()  # reported once, not again by each user
        self.skipped = False  # a part of the suite's Python was not imported (--no-code)

    def pos(self, key: str) -> SourcePos:
        """Where a key of the task was written (`model`, `model_roles.grader`, ...)."""
        task = self.task
        return task.where.get(key) or task.pos or SourcePos(str(task.suite_file), 1, 1)

    @contextlib.contextmanager
    def at(self, pos: SourcePos, what: str | None) -> Iterator[None]:
        """Record what the block raises as an error at `pos`, about `what`."""
        try:
            yield
        except UnknownRoleError as ex:
            if ex.role not in self.failed_roles:
                self.add(pos, what, ex)
        except CodeNotImported:
            self.skipped = True  # `validate --no-code` names it; what needs it goes unchecked
        except Exception as ex:
            self.add(pos, what, ex)

    def add(self, pos: SourcePos, what: str | None, ex: Exception) -> None:
        text = describe(ex)
        extra = ex.extra if isinstance(ex, MissingExtra) else None
        self.errors.append(SpecError(pos, f"{what}: {text}" if what else text, extra=extra))

    def create(self, ref: ComponentRef) -> Any:
        with self.at(ref.pos or self.pos(""), f"{ref.kind} '{ref.name}'"):
            return ref.create()
        return None


def describe(ex: BaseException) -> str:
    """An exception as a message: a bad value's own words, or the error's type and text."""
    text = str(ex).strip()
    if isinstance(ex, ValueError | TypeError | UnknownNameError) and text:
        return text
    return f"{type(ex).__name__}: {text}" if text else type(ex).__name__


def build_task(task: TaskDef, options: RunOptions) -> TaskParts:
    """Build the task's models and components (no network); raises SetupErrors."""
    problems = _Problems(task)
    config = task.config.merge(options.config)
    model_name = options.model or task.model or "none"
    model = None
    prices = dict(task.prices)
    if model_name != "none":
        # A run's options name each of its models; one of the suite's was written there.
        given = bool(options.model) and options.model not in (task.model, *task.models)
        where = SourcePos("--model", 0, 0) if given else problems.pos("model")
        if "outputs" in task.model_args and "outputs" not in options.model_args:
            where = problems.pos("model_args.outputs")  # a mockllm script's own mistakes
        with problems.at(where, None if given else f"model '{model_name}'"), \
                template_search(task.base_dir):
            model_args = {**task.model_args, **options.model_args}
            own = {k: float(model_args.pop(f"{k}_price")) for k in ("input", "output")
                   if f"{k}_price" in model_args}  # -M input_price=2.5: USD per million tokens
            if own:
                prices[model_name] = {**prices.get(model_name, {}), **own}
            model = get_model(
                model_name, config=config, base_url=options.model_base_url, **model_args
            )
    roles: dict[str, Model] = {}
    for role, spec in {**task.model_roles, **options.model_roles}.items():
        where = (SourcePos("--model-role", 0, 0) if role in options.model_roles
                 else problems.pos(f"model_roles.{role}"))
        problems.failed_roles.add(role)
        with problems.at(where, f"role '{role}'"), template_search(task.base_dir):
            roles[role] = role_model(spec)
            problems.failed_roles.discard(role)
    _check_cost_prices(task, options, model_name, prices, problems)
    stamps: dict[str, str] = {}
    token = used_templates.set(stamps)
    try:
        with model_context(model, roles), declared_tools(task.tools, task.base_dir):
            steps = [problems.create(ref) for ref in task.steps]
            approval = None
            if task.approval:
                with problems.at(problems.pos("approval"), "approval"), \
                        template_search(task.base_dir):
                    approval = make_policy(task.approval, make_function)
            finish = problems.create(task.finish) if task.finish else None
            scorers = _named(task.scorers, problems) if not options.no_score else []
            task_metrics = [(ref.key, problems.create(ref)) for ref in task.metrics]
            early = None
            if task.early_stopping is not None:
                with problems.at(problems.pos("early_stopping"), None):
                    early = make_early_stopping(task.early_stopping, task.base_dir)
    finally:
        used_templates.reset(token)
    chosen = [(key, m) for key, m in task_metrics if m is not None]
    metrics = {name: chosen_metrics(chosen, fn) for name, fn in scorers}
    if not options.no_score and not problems.errors and not problems.skipped:
        # (a part missing: the metric names are unknown)
        _check_thresholds(task, options, metrics, problems)
    if problems.errors:
        raise SetupErrors(problems.errors)
    return TaskParts(model_name, model, roles, config, steps, finish, scorers, metrics, stamps,
                     approval, prices, early)


def _check_cost_prices(task: TaskDef, options: RunOptions, model_name: str,
                       prices: dict[str, dict[str, float]], problems: _Problems) -> None:
    """A cost limit counts only priced models: one without a price could never reach it."""
    cost = options.limits.cost if options.limits.cost is not None else task.limits.cost
    if cost is None or model_name == "none" or model_name in prices:
        return
    where = (SourcePos("--cost-limit", 0, 0) if options.limits.cost is not None
             else problems.pos("limits.cost"))
    problems.add(where, None, ValueError(
        f"cost limit of ${cost:g} cannot apply: no price for model {model_name} (add "
        f"prices: {{{model_name}: {{input: USD, output: USD}}}} per million tokens, or "
        f"-M input_price=... -M output_price=...)"))


def _named(refs: list[ComponentRef], problems: _Problems) -> list[tuple[str, Scorer]]:
    """Scorers by log name (their id, else their name; repeats numbered)."""
    out: list[tuple[str, Scorer]] = []
    seen: dict[str, int] = {}
    for ref in refs:
        base = ref.id or ref.name.split("@")[-1].split(":")[-1].split("/")[-1]
        seen[base] = seen.get(base, 0) + 1
        scorer = problems.create(ref)
        if scorer is not None:
            out.append((base if seen[base] == 1 else f"{base}_{seen[base]}", scorer))
    return out


def _check_thresholds(
    task: TaskDef, options: RunOptions, metrics: dict[str, ScorerMetrics], problems: _Problems
) -> None:
    """A threshold must name a metric the run will compute: `metric` or `scorer/metric`
    (`scorer/reducer/metric` with epochs; `metric/key` for a metric giving several)."""
    names: set[str] = set()
    for scorer, scorer_metrics_ in metrics.items():
        for name in metric_names(scorer_metrics_):
            names.update({name, f"{scorer}/{name}"})
            names.update(f"{scorer}/{r}/{name}" for r in task.epochs.reducers)
    for threshold in {**task.thresholds, **options.fail_under}:
        if threshold in names or any(threshold.startswith(f"{n}/") for n in names):
            continue
        flag = threshold in options.fail_under
        where = SourcePos("--fail-under", 0, 0) if flag else problems.pos(
            f"thresholds.{threshold}")
        close = difflib.get_close_matches(threshold, sorted(names), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        known = ", ".join(sorted(n for n in names if "/" not in n)) or "none: no scorer"
        problems.errors.append(SpecError(where, (
            f"threshold '{threshold}' names no metric of task '{task.name}' "
            f"({hint}metrics: {known})"
        )))
