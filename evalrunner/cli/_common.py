"""Options and input handling shared by the subcommands."""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import click
import yaml

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def option(*decls: str, **kwargs: Any) -> Callable[[Any], Any]:
    """A click option that can also be set as EVALRUNNER_<OPTION> in the environment."""
    long = next((d for d in decls if d.startswith("--")), decls[0])
    kwargs.setdefault("envvar", "EVALRUNNER_" + long.lstrip("-").replace("-", "_").upper())
    kwargs.setdefault("show_envvar", False)
    return click.option(*decls, **kwargs)


def parse_pairs(values: Sequence[str], what: str, scalar: bool = False) -> dict[str, Any]:
    """`k=v` pairs into a dict; with `scalar`, values are read as YAML scalars."""
    out: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"'{item}' is not of the form name=value", param_hint=what)
        out[key.strip()] = _yaml_scalar(value) if scalar else value
    return out


def _yaml_scalar(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        return text


def load_dotenv_files(paths: Sequence[Path]) -> None:
    """Read `.env` in the working folder and beside each suite (the environment wins), and
    name each file read on stderr (see `_util.dotenv` for what a suite's `.env` may set)."""
    from .._util.dotenv import load_env_files
    from .._util.secrets import register_environment_secrets

    for file in load_env_files(paths):
        click.echo(file.describe(), err=True)
    register_environment_secrets()  # keys the files set are secrets like the environment's


class SuiteCommand(click.Command):
    """A command over suite paths: the `.env` files beside them are read before its options
    are parsed, so EVALRUNNER_* names set there count like the environment's."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        paths: Sequence[str] = ()
        try:
            probe = super().make_context(info_name, list(args), parent=parent,
                                         resilient_parsing=True)
            paths = probe.params.get("paths") or ()
        except (click.ClickException, click.exceptions.Exit):
            pass  # the real parse below reports it
        from ..suite._select import split_task_path

        load_dotenv_files([Path(split_task_path(p)[0]) for p in paths or (".",)])
        return super().make_context(info_name, args, parent=parent, **extra)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def config_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """One CLI option per GenerateConfig field, generated so the two never drift apart."""
    from ..model._config import GenerateConfig

    for name, field in reversed(list(GenerateConfig.model_fields.items())):
        flag = "--" + name.replace("_", "-")
        kind = _click_type(field.annotation)
        if kind is None:
            continue
        help_text = f"Generation config: {name}."
        if kind is bool:
            func = option(f"{flag}/--no-{flag[2:]}", name, default=None, help=help_text)(func)
        elif kind == "multiple":
            func = option(flag, name, multiple=True, help=help_text + " (repeatable)")(func)
        else:
            func = option(flag, name, type=kind, default=None, help=help_text)(func)
    return func


def _click_type(annotation: Any) -> Any:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, types.UnionType) and args:
        annotation = args[0] if len(args) == 1 else args
    if isinstance(annotation, list):
        return bool if bool in annotation else None  # e.g. cache: bool | dict
    if annotation in (int, float, str, bool):
        return annotation
    if get_origin(annotation) is Literal:
        return click.Choice([str(a) for a in get_args(annotation)])
    if get_origin(annotation) is list:
        return "multiple"
    return None


def config_from_kwargs(kwargs: dict[str, Any]) -> Any:
    """Pop the GenerateConfig fields out of a command's kwargs into a GenerateConfig."""
    from ..model._config import GenerateConfig

    values: dict[str, Any] = {}
    for name in GenerateConfig.model_fields:
        value = kwargs.pop(name, None)
        if value is not None and value != ():
            values[name] = list(value) if isinstance(value, tuple) else value
    return GenerateConfig(**values)


def env_default(name: str) -> str | None:
    return os.environ.get(f"EVALRUNNER_{name}")
