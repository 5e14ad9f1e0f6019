"""Model roles: a role is a model name, or a model with its own config, as in Inspect.

`grader: openai/gpt-4o` and `grader: {model: openai/gpt-4o, temperature: 0.5}` both bind
the role `grader`; the mapping also takes `base_url`, `model_args` and `config`, and any
generation config field at its top level (`temperature`, `max_tokens`, ...). The same
forms are accepted by `model_roles:` in a suite and by `--model-role grader=...`.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import Field, ValidationError

from ._config import GenerateConfig, config_error_text
from ._model import Model

RoleSpec = str | dict[str, Any]


class ModelRole(GenerateConfig):
    """A role's model with its own config: generation config fields sit beside `model`."""

    model: str = Field(description="provider/model, e.g. openai/gpt-4o.")
    base_url: str | None = Field(default=None, description="The model's base URL.")
    model_args: dict[str, Any] | None = Field(
        default=None, description="Provider-specific model arguments (like -M k=v).")
    config: GenerateConfig | None = Field(
        default=None, description="Generation config (its fields may also sit beside `model`).")

    def generate_config(self) -> GenerateConfig:
        """`config:` with the generation config fields written beside `model` over it."""
        own = self.model_dump(include=set(GenerateConfig.model_fields), exclude_none=True)
        return (self.config or GenerateConfig()).merge(GenerateConfig(**own))


def parse_role_option(text: str) -> RoleSpec:
    """A `--model-role` value: `provider/name`, or a YAML mapping `{model: ..., ...}`."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return stripped
    try:
        value = yaml.safe_load(stripped)
    except yaml.YAMLError as ex:
        why = getattr(ex, "problem", None) or str(ex).splitlines()[0]
        raise ValueError(f"not a YAML mapping ({why})") from None
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
    config = spec.generate_config()
    return get_model(spec.model, config=config if config.set_fields() else None,
                     base_url=spec.base_url, **(spec.model_args or {}))


def _message(error: Any) -> str:
    if error["type"] == "missing":
        return "'model' is missing (the role's model: provider/name)"
    nested = len(error["loc"]) > 1
    return config_error_text(error, None if nested else ModelRole.model_fields)
