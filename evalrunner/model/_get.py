"""get_model: names to Model objects, memoized, with roles and an active model."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._util.context import ContextField, task_field
from ._config import GenerateConfig
from ._model import _LIMITS, Model

_CACHE: dict[str, Model] = {}

# The model being evaluated and the roles of the task being run; set by the executor.
active_model: ContextField[Model | None] = task_field("model")
active_roles: ContextField[dict[str, Model]] = task_field("roles")
# True inside model_context: the task's roles are known, so a role name can be checked.
_roles_known: ContextField[bool] = task_field("roles_known")


class NoModelError(RuntimeError):
    """A model was needed but none is active (for example `--model none`)."""


class UnknownRoleError(ValueError):
    """A role that no `model_roles:` or `--model-role` binds."""

    def __init__(self, role: str, roles: list[str]) -> None:
        self.role = role
        close = difflib.get_close_matches(role, roles, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        known = f"roles: {', '.join(roles)}" if roles else "no roles are bound"
        super().__init__(
            f"'{role}' is neither provider/name nor a role of this task ({hint}{known}); "
            f"bind it with `model_roles: {{{role}: provider/name}}` or "
            f"--model-role {role}=provider/name"
        )


def get_model(
    model: str | Model | None = None,
    *,
    role: str | None = None,
    default: str | Model | None = None,
    config: GenerateConfig | None = None,
    base_url: str | None = None,
    memoize: bool = True,
    **model_args: Any,
) -> Model:
    """The model named `model` (`provider/name`), a role's model, or the active model.

    A name that is a role of the running task (`grader`) means that role's model. As in
    Inspect, `role=` names an optional binding: a role the task does not bind means
    `default` when given (`get_model(role="grader", default="openai/gpt-4o")`), else the
    evaluated model. A bare name passed as `model` is no model name, so one that no role
    binds is an error (UnknownRoleError, from model_ref and _create). Models are memoized
    by name, base URL, config and arguments.
    """
    if isinstance(model, Model):
        return model
    roles = active_roles.get()
    if role is not None:
        if role in roles:
            return roles[role]
        model = default if default is not None else model
        if isinstance(model, Model):
            return model
    elif model is not None and model in roles:
        return roles[model]
    if model is None:
        current = active_model.get()
        if current is None:
            raise NoModelError("no model is active (pass --model or set EVALRUNNER_MODEL)")
        return current
    key = json.dumps(
        [model, base_url, config.set_fields() if config else {}, model_args],
        sort_keys=True, default=str,
    )
    if memoize and key in _CACHE:
        return _CACHE[key]
    instance = _create(model, config, base_url, model_args)
    if memoize:
        _CACHE[key] = instance
    return instance


def _create(
    name: str, config: GenerateConfig | None, base_url: str | None, model_args: dict[str, Any]
) -> Model:
    from ..registry import UnknownNameError, resolve

    provider, _, model_name = name.partition("/")
    if not model_name and provider not in ("none", "mockllm"):
        if _roles_known.get():
            raise UnknownRoleError(name, sorted(active_roles.get()))
        raise ValueError(f"model '{name}' is not of the form provider/name "
                         "(for example openai/gpt-4o or local/smollm2)")
    try:
        info = resolve("modelapi", provider)
    except UnknownNameError as ex:
        raise UnknownNameError(
            "modelapi", name, f"unknown model provider '{provider}' (in '{name}')",
            [f"{s}/{model_name}" for s in ex.suggestions],
        ) from None
    api = info.obj(model_name=model_name, base_url=base_url, config=config, **model_args)
    return Model(name, api, config)


def model_ref(name: str | None) -> Callable[[], Model]:
    """A component's model argument, checked now and resolved when called.

    `name` is `provider/name` (built now, so a bad name fails when the task is set up),
    a role of the task (checked now when the task's roles are known), or None for the
    evaluated model. Factories call this when they are created; the solver or scorer calls
    the result when it runs, since the evaluated model is set per run.
    """
    if name is None:
        return get_model
    if "/" in name:
        model = get_model(name)
        return lambda: model
    roles = active_roles.get()
    if _roles_known.get() and name not in roles:
        raise UnknownRoleError(name, sorted(roles))
    return lambda: get_model(role=name)


@contextmanager
def model_context(model: Model | None, roles: dict[str, Model]) -> Iterator[None]:
    """Make `model` and `roles` what get_model() returns inside the block."""
    token_model = active_model.set(model)
    token_roles = active_roles.set(roles)
    token_known = _roles_known.set(True)
    try:
        yield
    finally:
        active_model.reset(token_model)
        active_roles.reset(token_roles)
        _roles_known.reset(token_known)


async def close_models() -> None:
    """Close every memoized model and forget connection limits (at the end of a run)."""
    for instance in list(_CACHE.values()):
        await instance.aclose()
    _CACHE.clear()
    _LIMITS.clear()
