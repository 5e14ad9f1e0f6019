"""From an interpolated, schema-checked task mapping to a TaskDef with suite defaults applied."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..model._config import GenerateConfig
from ..registry import RegistryKind
from ..sandbox import SandboxSpec, sandbox_spec, spec_problems
from ..sandbox.backends.local import WARNING as LOCAL_WARNING
from ..template import template_search
from ..tools._approval import make_policy
from ..tools._declared import declared_tools
from ._components import compile_entry, resolve_name
from ._model import ComponentRef, EpochsDef, LimitsDef, SourcePos, TaskDef
from ._nested import check_nested, compile_tools
from ._report import Reporter
from ._yaml import Path_

_SOURCES = ("path", "hf", "samples", "example")


class _Reported(ValueError):
    """An error already reported at its place."""


@dataclass
class SuiteContext:
    """What every task of a suite shares."""

    rep: Reporter
    data: dict[str, Any]  # the interpolated top level
    file: Path
    name: str
    task_count: int

    @property
    def base_dir(self) -> Path:
        return self.file.parent


def compile_task(index: int, raw: dict[str, Any], params: dict[str, Any],
                 ctx: SuiteContext) -> TaskDef:
    """A task with the suite's model, config, roles and args as defaults under its own."""
    path: Path_ = ("tasks", index)
    suite = ctx.data
    name = raw.get("name")
    if not isinstance(name, str):
        name = ctx.name
        if ctx.task_count > 1:
            ctx.rep.error(path, f"task {index + 1} needs a name: this suite has "
                                f"{ctx.task_count} tasks")
    description = raw.get("description")
    if description is None and ctx.task_count == 1:
        description = suite.get("description")
    tags = raw.get("tags", [])
    model = raw.get("model", suite.get("model"))
    task = TaskDef(
        name=name,
        suite_name=ctx.name,
        suite_file=ctx.file,
        description=description if isinstance(description, str) else None,
        tags=[tags] if isinstance(tags, str) else [t for t in _list(tags) if isinstance(t, str)],
        attrs=_extensions(suite, raw),
        dataset=_dataset(raw.get("dataset")),
        dataset_pos=ctx.rep.doc.pos((*path, "dataset")),
        model=model if isinstance(model, str) else None,
        models=[m for m in model if isinstance(m, str)] if isinstance(model, list) else [],
        model_args=_own({**_dict(suite.get("model_args")), **_dict(raw.get("model_args"))}),
        model_roles=_own({**_dict(suite.get("model_roles")), **_dict(raw.get("model_roles"))}),
        config=_config(raw, path, ctx),
        params=params,
        fail_on_error=_fail_on_error(raw.get("fail_on_error")),
        thresholds=_own(_dict(raw.get("thresholds"))),
        pos=ctx.rep.doc.pos(path),
    )
    task.where = _positions(raw, path, ctx)
    _check_dataset(task.dataset, (*path, "dataset"), ctx.rep)
    task.tools = compile_tools(suite, raw, path, ctx.rep, check_suite_level=index == 0)
    task.sandbox = _sandbox(raw, path, ctx, report_suite_level=index == 0)
    with declared_tools(task.tools, ctx.base_dir):  # `use_tools: [a_declared_tool]` resolves
        _components(task, raw, path, ctx)
    task.epochs = _epochs(raw.get("epochs"), (*path, "epochs"), ctx)
    task.limits = LimitsDef().merge(_own(_dict(suite.get("limits")))).merge(
        _own(_dict(raw.get("limits"))))
    task.prices = _own({**_dict(suite.get("prices")), **_dict(raw.get("prices"))})
    task.approval = _approval(suite, raw, path, ctx)
    task.compaction = _compaction(raw.get("compaction"), (*path, "compaction"), ctx)
    task.early_stopping = raw.get("early_stopping")
    task.resolved_hash = resolved_hash(task)
    return task


def _positions(raw: dict[str, Any], path: Path_, ctx: SuiteContext) -> dict[str, SourcePos]:
    """Where the task's model, model_args, roles and thresholds were written (the task's
    own, else the suite's), for errors found only when the task is built."""
    doc = ctx.rep.doc
    out: dict[str, SourcePos] = {}
    for key in ("model", "model_args"):
        if key in raw or key in ctx.data:
            out[key] = doc.pos((*path, key) if key in raw else (key,))
    for key, sub in (("model_args", "outputs"), ("limits", "cost")):  # mockllm script; prices
        own = sub in _dict(raw.get(key))
        if own or sub in _dict(ctx.data.get(key)):
            out[f"{key}.{sub}"] = doc.pos((*path, key, sub) if own else (key, sub))
    if "early_stopping" in raw:
        out["early_stopping"] = doc.pos((*path, "early_stopping"))
    for key in ("model_roles", "thresholds"):
        for name in _dict(ctx.data.get(key)) if key == "model_roles" else {}:
            out[f"{key}.{name}"] = doc.pos((key, name), at_key=True)
        for name in _dict(raw.get(key)):
            out[f"{key}.{name}"] = doc.pos((*path, key, name), at_key=True)
    return out


def _compaction(value: Any, path: Path_, ctx: SuiteContext) -> dict[str, Any] | None:
    """The `compaction:` mapping, checked by the same model the run uses."""
    if not isinstance(value, dict) or ctx.rep.failed_under(path):
        return None
    from pydantic import ValidationError

    from ..solvers._compaction import CompactionConfig

    own = _own(value)
    try:
        CompactionConfig(**own)
    except ValidationError as ex:
        for error in ex.errors():
            where = (*path, *(str(p) for p in error["loc"]))
            ctx.rep.error(where if where[-1] in own else path, f"compaction: {error['msg']}")
        return None
    return own


def _dict(value: Any) -> dict[str, Any]:
    """The value if it is a mapping (a schema error was reported otherwise)."""
    return value if isinstance(value, dict) else {}


def _own(mapping: dict[str, Any]) -> dict[str, Any]:
    """Without the user's `x-` keys, which are for people and tools, not for evalrunner."""
    return {k: v for k, v in mapping.items() if not k.startswith("x-")}


def _dataset(value: Any) -> dict[str, Any]:
    """The dataset mapping without `x-` keys at its own levels (records are left as written)."""
    dataset = _own(_dict(value))
    for key in ("fields", "hf"):
        if isinstance(dataset.get(key), dict):
            dataset[key] = _own(dataset[key])
    return dataset


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _fail_on_error(value: Any) -> bool | float | None:
    return value if isinstance(value, bool | int | float) else None


def _extensions(suite: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """`x-` keys of the suite, then of the task, for -F filters and logs."""
    return {k: v for part in (suite, raw) for k, v in part.items() if k.startswith("x-")}


def _config(raw: dict[str, Any], path: Path_, ctx: SuiteContext) -> GenerateConfig:
    suite_config = _dict(ctx.data.get("config"))
    task_config = _dict(raw.get("config"))
    merged = _own({**suite_config, **task_config})
    if ctx.rep.failed_under(("config",)) or ctx.rep.failed_under((*path, "config")):
        return GenerateConfig()
    try:
        with template_search(ctx.base_dir):  # a response_schema file is read from there
            return GenerateConfig.model_validate(merged)
    except ValidationError as ex:
        for error in ex.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            where: Path_ = (*path, "config", key) if key in task_config else ("config", key)
            sub = error["loc"][1:2]
            if sub and ctx.rep.doc.pos((*where, *sub)) != ctx.rep.doc.pos(where):
                where = (*where, *sub)
            ctx.rep.error(where, f"config {key}: {error['msg'].removeprefix('Value error, ')}")
        return GenerateConfig()


def _sandbox(raw: dict[str, Any], path: Path_, ctx: SuiteContext, report_suite_level: bool
             ) -> SandboxSpec | None:
    """The task's sandbox (or the suite's), checked against its backend."""
    where: Path_ = (*path, "sandbox") if "sandbox" in raw else ("sandbox",)
    value = raw.get("sandbox", ctx.data.get("sandbox"))
    if value is None or ctx.rep.failed_under(where):
        return None
    report = where != ("sandbox",) or report_suite_level  # suite-level problems once
    try:
        spec = sandbox_spec(value)
    except ValueError as ex:
        if report:
            ctx.rep.error(where, str(ex))
        return None
    problems = spec_problems(spec, ctx.base_dir)
    for problem in problems if report else []:
        ctx.rep.error(where, problem)
    if spec.type == "local" and report:
        ctx.rep.warning(where, LOCAL_WARNING)
    return None if problems else spec


def _approval(suite: dict[str, Any], raw: dict[str, Any], path: Path_, ctx: SuiteContext
              ) -> dict[str, Any]:
    """The task's approval rules, then the suite's; each approver is built here to check it."""
    rules: dict[str, Any] = {}
    for where, given in (((*path, "approval"), raw.get("approval")),
                         (("approval",), suite.get("approval"))):
        for pattern, entry in _own(_dict(given)).items():
            if ctx.rep.failed_under((*where, pattern)) or pattern in rules:
                continue
            try:
                make_policy({pattern: entry}, functools.partial(
                    _function, where=(*where, pattern), ctx=ctx))
            except _Reported:
                continue
            except (ValueError, TypeError) as ex:
                ctx.rep.error((*where, pattern), str(ex))
                continue
            rules[pattern] = entry
    return rules


def _function(name: str, where: Path_, ctx: SuiteContext) -> Any:
    info = resolve_name("solver", name, where, ctx.rep, ctx.base_dir, at_key=False)
    if info is None:
        raise _Reported
    return info.obj


def _check_dataset(dataset: dict[str, Any], path: Path_, rep: Reporter) -> None:
    if rep.failed_under(path):
        return
    if "fields" not in dataset and "record_to_sample" not in dataset:
        for i, sample in enumerate(_list(dataset.get("samples"))):
            _check_sample_text(sample, (*path, "samples", i), rep)
    given = [k for k in dataset if k in _SOURCES]
    if not given:
        rep.error(path, "dataset needs one of: path, hf, samples, example")
    for extra in given[1:]:
        rep.error((*path, extra), f"dataset has both '{given[0]}' and '{extra}': give one",
                  at_key=True)
    if "fields" in dataset and "record_to_sample" in dataset:
        rep.error((*path, "record_to_sample"),
                  "give either fields or record_to_sample, not both", at_key=True)


def _check_sample_text(sample: dict[str, Any], path: Path_, rep: Reporter) -> None:
    """Sample text written as a number is kept as text, unless that changes it (1.10)."""
    for key in ("input", "target", "choices", "id", "setup"):
        value = sample.get(key)
        items = value if isinstance(value, list) else [value]
        paths = [(*path, key, j) for j in range(len(items))] if isinstance(value, list) \
            else [(*path, key)]
        for item, where in zip(items, paths, strict=True):
            located = rep.doc.where.get(where)
            if located is None or located.style is not None or isinstance(item, bool):
                continue
            if isinstance(item, int | float) and str(item) != located.raw:
                rep.error(where, f"{key}: {located.raw} is read as the number {item}; write it "
                                 f"in quotes (\"{located.raw}\") to keep it as text")


def _components(task: TaskDef, raw: dict[str, Any], path: Path_, ctx: SuiteContext) -> None:
    plan = raw.get("plan")
    if plan is None:
        generate = compile_entry("solver", "generate", (*path,), ctx.rep, ctx.base_dir)
        task.plan = [generate] if generate else []
    elif isinstance(plan, dict):
        task.plan = _entries("solver", plan.get("steps", []), (*path, "plan", "steps"), ctx)
        if "finish" in plan and not ctx.rep.failed_under((*path, "plan", "finish")):
            task.finish = compile_entry(
                "solver", plan["finish"], (*path, "plan", "finish"), ctx.rep, ctx.base_dir
            )
            if task.finish is not None:
                check_nested(task.finish, (*path, "plan", "finish", task.finish.name), ctx.rep,
                             ctx.base_dir)
    else:
        task.plan = _entries("solver", plan, (*path, "plan"), ctx)
    if plan is not None and not task.plan and not task.finish \
            and not ctx.rep.failed_under((*path, "plan")):
        # Nothing would ask the model anything: every sample would score an empty answer.
        ctx.rep.error((*path, "plan"), "the plan has no step: give at least `- generate` "
                                       "(or leave `plan:` out, which means just generate)")
    scorer = raw.get("scorer")
    if isinstance(scorer, list):
        task.scorers = _entries("scorer", scorer, (*path, "scorer"), ctx)
    elif scorer is not None and not ctx.rep.failed_under((*path, "scorer")):
        one = compile_entry("scorer", scorer, (*path, "scorer"), ctx.rep, ctx.base_dir)
        task.scorers = [one] if one else []
    task.metrics = _metric_entries(raw.get("metrics", []), (*path, "metrics"), ctx)


def _metric_entries(metrics: Any, path: Path_, ctx: SuiteContext) -> list[ComponentRef]:
    """`metrics: [...]`, or `metrics: {key: [...]}` for the keys of dict scores (Inspect's
    `metrics={"key": [...]}`): each ref then carries its key."""
    if not isinstance(metrics, dict):
        return _entries("metric", metrics, path, ctx)
    out: list[ComponentRef] = []
    for key, entries in metrics.items():
        for ref in _entries("metric", entries, (*path, key), ctx):
            ref.key = str(key)
            out.append(ref)
    return out


def _entries(kind: RegistryKind, entries: Any, path: Path_, ctx: SuiteContext
             ) -> list[ComponentRef]:
    if not isinstance(entries, list):
        return []
    out = []
    for i, entry in enumerate(entries):
        if ctx.rep.failed_under((*path, i)):
            continue
        ref = compile_entry(kind, entry, (*path, i), ctx.rep, ctx.base_dir)
        if ref is not None:
            _nested_metrics(ref, (*path, i, ref.name), ctx)
            check_nested(ref, (*path, i, ref.name), ctx.rep, ctx.base_dir)
            out.append(ref)
    return out


def _nested_metrics(ref: ComponentRef, path: Path_, ctx: SuiteContext) -> None:
    """Arguments that are metric entries themselves (`grouped: {metric: ...}`) are checked too."""
    for arg in ref.info.metadata.get("metric_args", ()):
        if ref.kwargs.get(arg) is not None:
            compile_entry("metric", ref.kwargs[arg], (*path, arg), ctx.rep, ctx.base_dir)


def _epochs(value: Any, path: Path_, ctx: SuiteContext) -> EpochsDef:
    if value is None or ctx.rep.failed_under(path):
        return EpochsDef()
    if isinstance(value, int):
        return EpochsDef(count=value)
    reducer = value.get("reducer")
    if reducer is None:
        return EpochsDef(count=value["count"])
    names = [reducer] if isinstance(reducer, str) else list(reducer)
    for i, name in enumerate(names):
        where = (*path, "reducer") if isinstance(reducer, str) else (*path, "reducer", i)
        resolve_name("reducer", name, where, ctx.rep, ctx.base_dir, at_key=False)
    return EpochsDef(count=value["count"], reducers=names)


def resolved_hash(task: TaskDef) -> str:
    """sha256 of everything that decides what the task does, as canonical JSON."""
    refs = {
        "plan": [r.describe() for r in task.steps],
        "finish": task.finish.describe() if task.finish else None,
        "scorers": [r.describe() for r in task.scorers],
        "metrics": [r.describe() for r in task.metrics],
    }
    # A suite's model list is left out: each log records its model, and adding a model to
    # the list must not make the logs of the others look stale to an eval set.
    body = {
        "name": task.name,
        **refs,
        "dataset": task.dataset,
        "model": task.model,
        "model_args": task.model_args,
        "model_roles": task.model_roles,
        "config": task.config.set_fields(),
        "params": task.params,
        "epochs": vars(task.epochs),
        "limits": vars(task.limits),
        "compaction": task.compaction,
        "approval": task.approval,
        "prices": task.prices,
        "fail_on_error": task.fail_on_error,
        "thresholds": task.thresholds,
        "tools": task.tools,
    }
    if task.sandbox is not None:  # only then: the hashes of tasks without one stay as they were
        body["sandbox"] = task.sandbox.model_dump(exclude_defaults=True)
    if task.early_stopping is not None:  # likewise
        body["early_stopping"] = task.early_stopping
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
