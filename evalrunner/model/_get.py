"""get_model: names to Model objects, memoized, with roles and an active model."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._config import GenerateConfig
from ._model import _LIMITS, Model

_CACHE: dict[str, Model] = {}

# The model being evaluated and the roles of the task being run; set by the executor.
active_model: contextvars.ContextVar[Model | None] = contextvars.ContextVar(
    "active_model", default=None
)
active_roles: contextvars.ContextVar[dict[str, Model]] = contextvars.ContextVar(
    "active_roles", default={}
)


class NoModelError(RuntimeError):
    """A model was needed but none is active (for example `--model none`)."""


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

    A name that is a role of the running task (`grader`) means that role's model. A
    `role` the run does not bind falls back to `default` (a model or its name) when given,
    else to the evaluated model. Models are memoized by name, base URL, config and
    arguments.
    """
    if isinstance(model, Model):
        return model
    if role is not None or (model is not None and model in active_roles.get()):
        role_name = role or model
        roles = active_roles.get()
        if role_name in roles:
            return roles[role_name]  # type: ignore[index]
        if default is not None:
            return get_model(default, config=config, base_url=base_url, memoize=memoize,
                             **model_args)
        if model is None or role is not None:
            model = None  # an unbound role falls back to the evaluated model
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
    from ..registry import resolve

    provider, _, model_name = name.partition("/")
    if not model_name and provider not in ("none", "mockllm"):
        raise ValueError(f"model '{name}' is not of the form provider/model")
    info = resolve("modelapi", provider)
    api = info.obj(model_name=model_name, base_url=base_url, config=config, **model_args)
    return Model(name, api, config)


@contextmanager
def model_context(model: Model | None, roles: dict[str, Model]) -> Iterator[None]:
    """Make `model` and `roles` what get_model() returns inside the block."""
    token_model = active_model.set(model)
    token_roles = active_roles.set(roles)
    try:
        yield
    finally:
        active_model.reset(token_model)
        active_roles.reset(token_roles)


async def close_models() -> None:
    """Close every memoized model and forget connection limits (at the end of a run)."""
    for instance in list(_CACHE.values()):
        await instance.aclose()
    _CACHE.clear()
    _LIMITS.clear()
