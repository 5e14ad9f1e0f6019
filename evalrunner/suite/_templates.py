"""Static checks of the prompt templates a task's components take: syntax and variables."""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import nodes
from jinja2.defaults import DEFAULT_NAMESPACE

from ..template import (
    TemplateSource,
    TemplateSyntaxError,
    compile_template,
    format_placeholder,
    format_placeholder_message,
    parse,
    resolve_template,
    template_search,
    template_variables,
)
from ._model import ComponentRef, SourcePos, SpecError, TaskDef

# A value like `devops.txt` is meant as a file (the built-in solvers think so too): when
# no such file exists that is an error, not a one-line template saying "devops.txt".
FILE_LIKE = re.compile(r"[\w.\-/\\]+\.(?:txt|j2|jinja|jinja2|md|tmpl|tpl|prompt)", re.IGNORECASE)
BASE_VARIABLES = frozenset(
    {"prompt", "input", "target", "choices", "metadata", "params", "store"}
)


def check_templates(task: TaskDef, dataset_fields: set[str] | None) -> list[SpecError]:
    """Template arguments that do not parse or use variables that will not exist.

    `dataset_fields` are the names samples will carry (metadata keys among them);
    None means unknown, and then bare names are not checked.
    """
    errors: list[SpecError] = []
    refs = [*task.plan, *([task.finish] if task.finish else []), *task.scorers, *task.metrics]
    for ref in _with_nested(refs):
        for arg in ref.info.metadata.get("template_args", ()):
            value = _arguments(ref).get(arg)
            if isinstance(value, str):
                pos = ref.arg_pos.get(arg) or ref.pos or SourcePos(str(task.suite_file), 1, 1)
                errors.extend(_check(task, ref, arg, value, pos, dataset_fields))
    return errors


def _with_nested(refs: list[ComponentRef]) -> Iterator[ComponentRef]:
    for ref in refs:
        yield ref
        yield from _with_nested(ref.nested)


def _arguments(ref: ComponentRef) -> dict[str, Any]:
    """The arguments as written, by parameter name (the single value is the first one)."""
    out = dict(ref.kwargs)
    if ref.args:
        try:
            params = inspect.signature(ref.info.obj).parameters.values()
        except (TypeError, ValueError):
            return out
        first = next((p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                      p.POSITIONAL_OR_KEYWORD)), None)
        if first is not None:
            out[first.name] = ref.args[0]
    return out


def _check(
    task: TaskDef, ref: ComponentRef, arg: str, value: str, pos: SourcePos,
    dataset_fields: set[str] | None,
) -> list[SpecError]:
    what = f"argument '{arg}' of {ref.kind} '{ref.name}'"
    with template_search(task.base_dir):
        source = resolve_template(value)
    if source.path is None and FILE_LIKE.fullmatch(value.strip()):
        return [SpecError(pos, f"{what}: template file '{value}' not found (looked beside the "
                               "suite, in templates/ folders up to the project root, and among "
                               "the built-in templates)")]
    try:
        tree = parse(source.text)
        compile_template(source.text)
    except TemplateSyntaxError as ex:
        return [SpecError(pos, f"template syntax error in {what}{_at(source, ex.lineno)}: "
                               f"{ex.message}")]
    allowed = set(BASE_VARIABLES) | set(task.params) | set(DEFAULT_NAMESPACE)
    allowed |= set(ref.info.metadata.get("template_vars", ()))
    allowed |= _extra_kwargs(ref)
    errors: list[SpecError] = []
    placeholder = format_placeholder(source.text, allowed | (dataset_fields or set()))
    if placeholder is not None:
        errors.append(SpecError(pos, f"{what}: {format_placeholder_message(placeholder)}"))
    if dataset_fields is not None:
        allowed |= dataset_fields
        for name in sorted(template_variables(source.text) - allowed):
            close = difflib.get_close_matches(name, sorted(allowed), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            errors.append(SpecError(pos, (
                f"template of {what} uses undefined variable '{name}'"
                f"{_at(source, _line_of(tree, name))} ({hint}available: "
                f"{', '.join(sorted(allowed - set(DEFAULT_NAMESPACE)))})"
            )))
    errors.extend(_literal_braces(tree, source, allowed, what, pos))
    errors.extend(_param_as_template(task, source, what, pos))
    for attr, line in _param_reads(tree):
        if attr not in task.params:
            known = ", ".join(sorted(task.params)) or "none"
            errors.append(SpecError(pos, f"template of {what} reads params.{attr}"
                                         f"{_at(source, line)}, which is not a param "
                                         f"(params: {known})"))
    return errors


def _extra_kwargs(ref: ComponentRef) -> set[str]:
    """Keyword arguments a `**params` factory takes beyond its named ones: they fill the
    template (as `prompt_template(template, **params)` does)."""
    try:
        params = inspect.signature(ref.info.obj).parameters
    except (TypeError, ValueError):
        return set()
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return set()
    return {k for k in ref.kwargs if k not in params}


def _at(source: TemplateSource, line: int | None) -> str:
    if source.path is not None:
        return f" ({_shown(source.path)}:{line or 1})"
    if line and "\n" in source.text.strip():
        return f" (line {line} of the template)"
    return ""


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _line_of(tree: nodes.Template, name: str) -> int | None:
    for node in tree.find_all(nodes.Name):
        if node.name == name and node.ctx == "load":
            return int(node.lineno)
    return None


def _param_reads(tree: nodes.Template) -> Iterator[tuple[str, int]]:
    """`params.x` and `params['x']` in a template, with their line numbers."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        access: Any = node
        target = access.node
        if not (isinstance(target, nodes.Name) and target.name == "params"):
            continue
        if isinstance(node, nodes.Getattr):
            yield access.attr, int(node.lineno)
        elif isinstance(access.arg, nodes.Const) and isinstance(access.arg.value, str):
            yield access.arg.value, int(node.lineno)


# `{name}` in a template's text: Python's format syntax (Inspect's templates), which Jinja
# sends as it is. Only names a template would have count, so JSON in a prompt is left alone.
_FORMAT_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)((?:\.\w+|\[[^\]]*\])*)\}(?!\})")


def _literal_braces(
    tree: nodes.Template, source: TemplateSource, allowed: set[str], what: str, pos: SourcePos
) -> list[SpecError]:
    errors: list[SpecError] = []
    for data in tree.find_all(nodes.TemplateData):
        for match in _FORMAT_FIELD.finditer(data.data):
            if match[1] not in allowed:
                continue
            line = int(data.lineno) + data.data[:match.start()].count("\n")
            errors.append(SpecError(pos, (
                f"template of {what} has '{match[0]}'{_at(source, line)}, which is sent as "
                f"written: templates are Jinja, write '{{{{ {match[1]}{match[2]} }}}}'"
            )))
    return errors


def _param_as_template(
    task: TaskDef, source: TemplateSource, what: str, pos: SourcePos
) -> list[SpecError]:
    """`"{{ params.system }}"` as a whole template sends the param's text, even when that
    text names a template file or is a template itself: `${{ params.system }}` was meant."""
    match = re.fullmatch(r"\s*\{\{-?\s*params\.(\w+)\s*-?\}\}\s*", source.text)
    if source.path is not None or match is None or match[1] not in task.params:
        return []
    value = task.params[match[1]]
    if not isinstance(value, str):
        return []
    with template_search(task.base_dir):
        named = resolve_template(value).path is not None
    if not (named or FILE_LIKE.fullmatch(value.strip()) or "{{" in value or "{%" in value):
        return []
    return [SpecError(pos, (
        f"{what} is '{source.text.strip()}', which sends the text '{value}' as it is; to use "
        f"the param as the template (a file or Jinja text), write '${{{{ params.{match[1]} }}}}'"
    ))]
