"""Template helpers shared by the built-in components (not a component: underscore name).

`load_template` resolves a template argument when the plan is made, so a missing file or a
syntax error fails before any model call; `template_variables` builds what every template
can read from a sample's state; `render_template` renders and names the template on error.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

from ...model._chat import ChatMessageUser
from ...template import TemplateSource, builtin_template, parse, render, resolve_template
from .._params import task_params
from .._task_state import TaskState

__all__ = [
    "COMMON_VARIABLES",
    "load_template",
    "render_template",
    "rewrite_prompt",
    "template_variables",
]

# The names every template can use, whatever component renders it.
COMMON_VARIABLES = ("prompt", "input", "target", "choices", "metadata", "params", "store")

# A value like `devops.txt` or `prompts/expert.j2` is meant as a file: when no such file is
# found it is an error, not a one-line template that says "devops.txt".
_FILE_LIKE = re.compile(r"[\w.\-/\\]+\.(?:txt|j2|jinja|jinja2|md|tmpl|tpl|prompt)", re.IGNORECASE)


def load_template(value: str | None, default: str | None = None) -> TemplateSource:
    """The template named or written in `value`, or the built-in `default` when it is None."""
    if value is None:
        if default is None:
            raise ValueError("a template is required")
        source = builtin_template(default)
    else:
        source = resolve_template(value)
        if source.path is None and _FILE_LIKE.fullmatch(value.strip()):
            raise ValueError(
                f"template file '{value}' not found (looked beside the suite, in templates/ "
                "folders up to the project root, and among the built-in templates)"
            )
    try:
        parse(source.text)
    except TemplateSyntaxError as ex:
        raise ValueError(f"{_where(source)}:{ex.lineno}: {ex.message}") from None
    return source


def template_variables(state: TaskState, **extra: Any) -> dict[str, Any]:
    """The variables of a template rendered for `state`, with a component's `extra` ones.

    Precedence, lowest first: each task param on its own, each metadata key on its own,
    the common names (`prompt`, `input`, ...), then `extra`. A sample's metadata is more
    specific than the task's params, and the common names must mean the same everywhere.
    """
    params = dict(task_params.get())
    variables: dict[str, Any] = {**params, **state.metadata}
    variables.update(
        prompt=_prompt_text(state),
        input=state.input_text,
        target=state.target.text,
        choices=[choice.value for choice in state.choices],
        metadata=state.metadata,
        params=params,
        store=state.store,
    )
    variables.update(extra)
    return variables


def render_template(source: TemplateSource, variables: dict[str, Any]) -> str:
    """Render `source`; an error names the template (its file, or 'inline template')."""
    try:
        return render(source.text, **variables)
    except TemplateError as ex:
        raise ValueError(f"{_where(source)}: {ex.message or type(ex).__name__}") from None


def rewrite_prompt(state: TaskState, source: TemplateSource, params: dict[str, Any]) -> None:
    """Make `source`, rendered over the state, the text of the user prompt (if there is one)."""
    if not any(isinstance(message, ChatMessageUser) for message in state.messages):
        return
    state.user_prompt.text = render_template(source, template_variables(state, **params)).strip()


def _prompt_text(state: TaskState) -> str:
    try:
        return state.user_prompt.text
    except ValueError:
        return ""  # a conversation with no user message yet (e.g. only a system message)


def _where(source: TemplateSource) -> str:
    return str(source.path) if source.path is not None else "inline template"
