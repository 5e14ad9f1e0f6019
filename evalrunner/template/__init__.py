"""Prompt templates: sandboxed Jinja2, strict about undefined names, found by a fixed order.

A template argument that names an existing file is read from it, looked up next to the
suite file, then in a `templates/` folder beside it or in any parent up to the project
root, then among the built-in templates; otherwise the string is the template itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes

from .._util.context import ContextField, task_field
from .._util.resources import data_dir
from ._budget import BudgetedEnvironment, TemplateBudgetError, budgeted

__all__ = [
    "TemplateBudgetError",
    "TemplateSource",
    "TemplateSyntaxError",
    "builtin_template",
    "compile_template",
    "format_placeholder",
    "render",
    "resolve_template",
    "suite_folder",
    "template_search",
    "template_variables",
    "used_templates",
]

_ENV = BudgetedEnvironment(
    undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False
)

_search_base: ContextField[Path | None] = task_field("template_base")
# Every template file read while this is set, with its hash (the log's reproducibility stamp).
used_templates: ContextField[dict[str, str] | None] = task_field("used_templates")


@dataclass(frozen=True)
class TemplateSource:
    """A template's text and the file it came from (None for an inline string)."""

    text: str
    path: Path | None = None

    def render(self, /, **variables: Any) -> str:
        return render(self.text, **variables)


@contextmanager
def template_search(base_dir: Path) -> Iterator[None]:
    """Resolve template names relative to `base_dir` (the suite's folder) in this block."""
    token = _search_base.set(base_dir)
    try:
        yield
    finally:
        _search_base.reset(token)


def suite_folder() -> Path | None:
    """The folder of the suite being compiled or run (where `file.py@name` is found too)."""
    return _search_base.get()


def resolve_template(value: str) -> TemplateSource:
    """A template from a file name (by the lookup order) or the string itself."""
    if "\n" not in value and len(value) < 256 and "{" not in value:
        for candidate in _candidates(value):
            if candidate.is_file():
                text, digest = _read(candidate)
                stamps = used_templates.get()
                if stamps is not None:
                    stamps[str(candidate)] = digest
                return TemplateSource(text, candidate)
    return TemplateSource(value, None)


# Template files read, by path, with the (mtime, size) they were read at: building a task
# and checking its templates ask for the same file, which is read once unless it changed.
_READ: dict[Path, tuple[tuple[int, int], str, str]] = {}


def _read(path: Path) -> tuple[str, str]:
    """A template file's text and sha256 (read again only when the file changed)."""
    stat = path.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    known = _READ.get(path)
    if known is not None and known[0] == version:
        return known[1], known[2]
    text = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if len(_READ) >= 512:
        _READ.clear()  # a long session with many templates: start over, never grow unbounded
    _READ[path] = (version, text, digest)
    return text, digest


def builtin_template(name: str) -> TemplateSource:
    """A template shipped with the package (`chain_of_thought.j2`, ...)."""
    path = data_dir("templates") / name
    return TemplateSource(path.read_text(encoding="utf-8"), path)


def _candidates(name: str) -> Iterator[Path]:
    base = _search_base.get() or Path.cwd()
    yield base / name
    for folder in [base, *base.parents]:
        yield folder / "templates" / name
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file():
            break
    yield data_dir("templates") / name


@lru_cache(maxsize=512)
def _compile(text: str) -> Any:
    return _ENV.from_string(text)


def render(text: str, /, **variables: Any) -> str:
    """Render a template; an undefined variable raises jinja2.UndefinedError.

    `text` is positional-only so that a variable may be called `text` (a metadata key).
    A template that runs past its budget (a runaway loop) or is rendering when Ctrl-C
    comes raises TemplateBudgetError: the sample fails, the event loop is never held long.
    """
    template = _compile(text)
    with budgeted():
        return str(template.render(variables))  # a dict, so a variable may be `self`


def template_variables(text: str) -> set[str]:
    """The top-level names a template reads (from its syntax tree, without rendering)."""
    return set(meta.find_undeclared_variables(_ENV.parse(text)))


_FORMAT_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})")


def format_placeholder(text: str, names: set[str] | frozenset[str]) -> str | None:
    """The first of `names` written as a str.format field (`{question}`, as Inspect's
    templates do) in a template that uses no Jinja at all, else None. Jinja reads such a
    field as plain text, so the model would see the braces."""
    if "{{" in text or "{%" in text:
        return None
    for match in _FORMAT_FIELD.finditer(text):
        if match.group(1) in names:
            return match.group(1)
    return None


def format_placeholder_message(name: str) -> str:
    """What to write instead of `{name}`."""
    return (f"the template uses {{{name}}}, a str.format placeholder (as Inspect writes "
            f"them): evalrunner templates are Jinja, write {{{{ {name} }}}}")


def parse(text: str) -> nodes.Template:
    """The template's syntax tree (raises TemplateSyntaxError with a line number)."""
    return _ENV.parse(text)


def compile_template(text: str) -> None:
    """Compile a template as rendering it will; raises TemplateSyntaxError (a subclass,
    TemplateAssertionError, for an unknown filter or test such as `x | nosuchfilter`)."""
    _compile(text)


def compile_expression(source: str) -> Any:
    """A sandboxed Jinja expression, evaluated with keyword variables into a native value."""
    return _ENV.compile_expression(source, undefined_to_none=False)
