"""A suite is data until the user says otherwise: it cannot send the user's key elsewhere.

A suite (or a task) may name its model's address (`model_args: {base_url: ...}` or
`{base_urls: [...]}`, a role's `base_url`): harmless for a local server without a key,
but with a key read from the user's environment every request would hand that key to
whoever the suite's author chose. So a run refuses such an address, located, unless the
suite also gives the key itself (`api_key` beside it), the user gives the address
(`-M base_urls=...`, `--model-base-url`, `--model-role`), or the user says the suite is
trusted (`--trust`, or EVALRUNNER_TRUST=1 in the environment; a `.env` cannot say so).

A log is data too: `retry` (and an eval set resuming) takes a log's model, model args and
roles, so an address a log names (`model_base_url`, `base_url(s)` in its model args or a
role) is held to the same rule, unless the user gives that same address now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..log._model import EvalLog
from ..model._model import Model
from ..suite._model import SourcePos, SpecError, TaskDef
from ._build import TaskParts
from ._options import RunOptions

_ADDRESS_ARGS = ("base_url", "base_urls")


def untrusted_addresses(task: TaskDef, parts: TaskParts, options: RunOptions) -> list[SpecError]:
    """An error for each model or role whose suite-given address would get the user's key."""
    if options.trust:
        return []
    errors = []
    given = {k for k in options.model_args if k.split(":")[-1] in _ADDRESS_ARGS}
    if parts.model is not None and not given and options.model_base_url is None:
        address = _address(task.model_args)
        if address and _carries_user_key(parts.model, task.model_args):
            errors.append(_error(task, "model_args", f"model '{parts.model.name}'", address))
    for role, spec in task.model_roles.items():
        model = parts.roles.get(role)
        if role in options.model_roles or model is None or not isinstance(spec, Mapping):
            continue
        args = {**dict(spec.get("model_args") or {}), "base_url": spec.get("base_url")}
        address = _address(args)
        if address and _carries_user_key(model, args):
            errors.append(_error(task, f"model_roles.{role}", f"role '{role}'", address))
    return errors


def _address(args: Mapping[str, Any]) -> str | None:
    for key in _ADDRESS_ARGS:
        value = args.get(key)
        if value:
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return None


def _carries_user_key(model: Model, args: Mapping[str, Any]) -> bool:
    # The suite's own key beside its own address sends nothing of the user's.
    return bool(getattr(model.api, "api_key", None)) and not args.get("api_key")


def _error(task: TaskDef, key: str, what: str, address: str) -> SpecError:
    pos = task.where.get(key) or task.pos or SourcePos(str(task.suite_file), 1, 1)
    return SpecError(pos, (
        f"{what}: the suite sends requests to its own address ({address}) with your key "
        "from the environment; give the address yourself (-M base_urls=..., "
        "--model-base-url) or run with --trust if you trust this suite"))


class UntrustedLog(ValueError):
    """A log names an address that would get the user's key (`score` without --trust)."""


def logged_addresses(location: str, log: EvalLog, model: Model | None,
                     roles: Mapping[str, Model], given: RunOptions) -> list[SpecError]:
    """An error for each address a log names that the user does not give now (`given`: the
    options of the command that reads the log) and that would get the user's key, with the
    log's `model` and `roles` as built (no call made)."""
    if given.trust:
        return []
    spec, errors = log.eval, []
    if model is not None:
        args = {k: v for k, v in spec.model_args.items()
                if k in _ADDRESS_ARGS and given.model_args.get(k) != v}
        key, address = "model_args", _address(args)
        if not address and spec.model_base_url and given.model_base_url is None:
            key, address = "model_base_url", spec.model_base_url
        if address and _carries_user_key(model, spec.model_args):
            errors.append(_log_error(location, key, f"model '{model.name}'", address))
    for role, value in spec.model_roles.items():
        built = roles.get(role)
        if built is None or not isinstance(value, Mapping) or given.model_roles.get(role) == value:
            continue
        args = {**dict(value.get("model_args") or {}), "base_url": value.get("base_url")}
        address = _address(args)
        if address and _carries_user_key(built, args):
            errors.append(_log_error(location, "model_roles", f"role '{role}'", address))
    return errors


def names_addresses(log: EvalLog) -> bool:
    """Whether a log names an address of its own (its model's or a role's): resuming it then
    needs the address given again, or --trust."""
    spec = log.eval
    if spec.model_base_url or any(spec.model_args.get(k) for k in _ADDRESS_ARGS):
        return True
    return any(isinstance(v, Mapping) and (v.get("base_url") or any(
        (v.get("model_args") or {}).get(k) for k in _ADDRESS_ARGS))
        for v in spec.model_roles.values())


def _log_error(location: str, key: str, what: str, address: str) -> SpecError:
    return SpecError(_log_pos(location, key), (
        f"{what}: the log sends requests to its own address ({address}) with your key "
        "from the environment; give the address yourself (--model-base-url) or run with "
        "--trust if you trust this log"))


_HEAD = 1 << 20  # a JSON log's header comes first: the key is found in its first MiB


def _log_pos(location: str, key: str) -> SourcePos:
    """Where a JSON log wrote `key` (line and column), else the log itself (`.eval`)."""
    try:
        with Path(location).open("rb") as file:
            head = file.read(_HEAD).decode("utf-8", errors="replace")
    except OSError:
        return SourcePos(location, 0, 0)
    found = re.search(rf'"{re.escape(key)}"\s*:', head)
    if found is None:
        return SourcePos(location, 0, 0)
    line = head.count("\n", 0, found.start()) + 1
    return SourcePos(location, line, found.start() - head.rfind("\n", 0, found.start()))
