"""A suite is data until the user says otherwise: it cannot send the user's key elsewhere.

A suite (or a task) may name its model's address (`model_args: {base_url: ...}` or
`{base_urls: [...]}`, a role's `base_url`): harmless for a local server without a key,
but with a key read from the user's environment every request would hand that key to
whoever the suite's author chose. So a run refuses such an address, located, unless the
suite also gives the key itself (`api_key` beside it), the user gives the address
(`-M base_urls=...`, `--model-base-url`, `--model-role`), or the user says the suite is
trusted (`--trust`, or EVALRUNNER_TRUST=1 in the environment; a `.env` cannot say so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
