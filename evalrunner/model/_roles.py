"""Model roles: a role is a model name, or a model with its own config, as in Inspect.

`grader: openai/gpt-4o` and `grader: {model: openai/gpt-4o, temperature: 0.5}` both bind
the role `grader`; the mapping also takes `base_url`, `model_args` and `config`, and any
generation config field at its top level (`temperature`, `max_tokens`, ...). The same
forms are accepted by `model_roles:` in a suite and by `--model-role grader=...`.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ._config import GenerateConfig, config_error_text
from ._model import Model

RoleSpec = str | dict[str, Any]


class ModelRole(BaseModel):
    """What a role binds: a model, and optionally its config, base URL and arguments."""

    model_config = ConfigDict(extra="forbid")

    model: str
    base_url: str | None = None
    model_args: dict[str, Any] = Field(default_factory=dict)
    config: GenerateConfig = Field(default_factory=GenerateConfig)

    @model_validator(mode="before")
    @classmethod
    def _config_fields_at_top(cls, value: Any) -> Any:
        # Inspect's short form: `{model: ..., temperature: 0.5}`.
        if not isinstance(value, dict):
            return value
        top = {k: v for k, v in value.items() if k in GenerateConfig.model_fields}
        if not top:
            return value
        rest = {k: v for k, v in value.items() if k not in top}
        nested = rest.get("config")
        rest["config"] = {**(nested if isinstance(nested, dict) else {}), **top}
        return rest


def parse_role_option(text: str) -> RoleSpec:
    """A `--model-role` value: `provider/name`, or a YAML mapping `{model: ..., ...}`."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return stripped
    try:
        value = yaml.safe_load(stripped)
    except yaml.YAMLError as ex:
        raise ValueError(f"not a YAML mapping: {ex}") from None
    if not isinstance(value, dict):
        raise ValueError("expected provider/name or {model: provider/name, ...}")
    return value


def role_spec(value: Any) -> ModelRole:
    """A role's value as written, checked; raises ValueError naming what is wrong."""
    if isinstance(value, str):
        return ModelRole(model=value)
    if not isinstance(value, dict):
        raise ValueError("expected provider/name or {model: provider/name, ...}")
    try:
        return ModelRole.model_validate(value)
    except ValidationError as ex:
        raise ValueError("; ".join(_message(e) for e in ex.errors())) from None


def role_model(value: Any) -> Model:
    """The model a role binds, built (no network) with its own config and arguments."""
    from ._get import get_model

    spec = role_spec(value)
    config = spec.config if spec.config.set_fields() else None
    return get_model(spec.model, config=config, base_url=spec.base_url, **spec.model_args)


_ROLE_KEYS = {*ModelRole.model_fields, *GenerateConfig.model_fields}


def _message(error: Any) -> str:
    if error["type"] == "missing":
        return "'model' is missing (the role's model: provider/name)"
    nested = len(error["loc"]) > 1
    return config_error_text(error, None if nested else _ROLE_KEYS)
