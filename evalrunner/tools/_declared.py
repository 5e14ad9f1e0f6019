"""Tools declared in a suite's YAML: a command run without a shell, or an HTTP request.

    tools:
      list_dir:
        description: List the files in a folder.
        parameters:
          dir: {type: string, description: The folder to list.}
        run: [ls, "{{ dir }}"]
        timeout: 10

Each `run` item and the HTTP `url`, `headers` and `body` are Jinja templates over the
arguments (sandboxed, undefined names are errors). A `run` item that renders to nothing is
left out, so an optional flag can be written `"{{ '-a' if all else '' }}"`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import TemplateError, nodes
from jinja2.defaults import DEFAULT_NAMESPACE

from .._util.secrets import redact, register_header_secrets, register_url_secrets
from ..sandbox import current_sandboxes
from ..template import parse, render, template_variables
from ._exec import run_command
from ._info import ToolInfo
from ._tool import ToolError

DEFAULT_TIMEOUT = 60.0
# Commands that print `--` instead of reading it as the end of their options.
NO_END_OF_OPTIONS = frozenset({"echo"})
Where = tuple[str | int, ...]  # a key path inside a declaration


def declaration_problems(spec: dict[str, Any]) -> list[tuple[Where, str]]:
    """What is wrong with a declaration beyond its schema, as (key path, message) pairs."""
    problems: list[tuple[Where, str]] = []
    kinds = [k for k in ("run", "http") if k in spec]
    if len(kinds) != 1:
        problems.append(((), "a declared tool needs exactly one of 'run' (a command) or 'http'"))
    names = set(_parameters(spec)) | set(spec.get("params") or {})
    for param, source in (spec.get("params") or {}).items():
        scope, _, key = str(source).partition(".")
        if scope not in ("metadata", "store") or not key:
            problems.append((("params", param), f"'{source}': write metadata.<key> or "
                                                 "store.<key>"))
    for where, template in _templates(spec):
        try:
            unknown = template_variables(template) - names - set(DEFAULT_NAMESPACE)
        except TemplateError as ex:
            problems.append((where, f"template error: {ex}"))
            continue
        if unknown:
            known = ", ".join(sorted(names)) or "none"
            problems.append((where, f"uses {', '.join(sorted(unknown))}, which is not a "
                                    f"parameter (parameters: {known})"))
    return problems


def declared_tool(name: str, spec: dict[str, Any], base_dir: Path) -> Any:
    """The tool a declaration describes (a callable with `info`, like a @tool)."""
    params = _parameters(spec)
    hidden = dict(spec.get("params") or {})
    info = ToolInfo(
        name=name,
        description=str(spec.get("description") or name),
        parameters={
            "type": "object",
            "properties": {k: _schema_of(v) for k, v in params.items() if k not in hidden},
            "required": [k for k, v in params.items() if "default" not in v and k not in hidden],
        },
    )
    defaults = {k: v.get("default") for k, v in params.items()}
    timeout = float(spec.get("timeout") or DEFAULT_TIMEOUT)
    limit = spec.get("max_output")
    model_args = set(params) - set(hidden)
    positional = positional_items(spec.get("run") or [], model_args)

    async def execute(**arguments: Any) -> str:
        values = {**defaults, **arguments}
        if "run" in spec:
            return await _run_command(spec, values, timeout, limit, base_dir, positional)
        return await _request(spec["http"], values, timeout, limit, model_args)

    execute.info = info  # type: ignore[attr-defined]
    execute.prompt = spec.get("prompt")  # type: ignore[attr-defined]
    execute.sample_params = hidden  # type: ignore[attr-defined]
    execute.__registry_name__ = name  # type: ignore[attr-defined]
    return execute


@contextmanager
def declared_tools(declarations: dict[str, dict[str, Any]], base_dir: Path) -> Iterator[None]:
    """Make the declared tools resolvable by name (`use_tools: [list_dir]`) in the block."""
    from ..registry import RegistryInfo, scoped_names

    scoped = dict(scoped_names.get())
    for name, spec in declarations.items():
        scoped[("tool", name)] = RegistryInfo("tool", name, _factory(name, spec, base_dir))
    token = scoped_names.set(scoped)
    try:
        yield
    finally:
        scoped_names.reset(token)


def _factory(name: str, spec: dict[str, Any], base_dir: Path) -> Callable[[], Any]:
    def create() -> Any:
        return declared_tool(name, spec, base_dir)

    create.__name__ = name
    return create


def _parameters(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Parameters as mappings (`dir: string` is short for `dir: {type: string}`)."""
    raw = spec.get("parameters") or {}
    return {k: ({"type": v} if isinstance(v, str) else dict(v or {})) for k, v in raw.items()
            if not k.startswith("x-")}


def _schema_of(param: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in param.items()
            if k in ("type", "description", "enum", "items", "default")}


def _templates(spec: dict[str, Any]) -> list[tuple[Where, str]]:
    out: list[tuple[Where, str]] = []
    for i, item in enumerate(spec.get("run") or []):
        out.append((("run", i), str(item)))
    if isinstance(spec.get("input"), str):
        out.append((("input",), spec["input"]))
    http = spec.get("http") or {}
    if isinstance(http.get("url"), str):
        out.append((("http", "url"), http["url"]))
    for key, value in (http.get("headers") or {}).items():
        out.append((("http", "headers", key), str(value)))
    for path, text in _strings(http.get("body"), ("http", "body")):
        out.append((path, text))
    return out


def _strings(value: Any, path: Where) -> list[tuple[Where, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, (*path, str(k)))]
    if isinstance(value, list):
        return [s for i, v in enumerate(value) for s in _strings(v, (*path, i))]
    return []


def positional_items(run: list[Any], model_args: set[str]) -> set[int]:
    """Indexes of the `run` items that are only a model's argument (`"{{ path }}"`).

    Such an item is an operand the model chose: `--` goes before the first one, so that a
    value like `--output=x` cannot become an option of the command.
    """
    out: set[int] = set()
    for i, item in enumerate(run):
        try:
            body = parse(str(item)).body
        except TemplateError:
            continue
        if i == 0 or len(body) != 1 or not isinstance(body[0], nodes.Output):
            continue
        parts = body[0].nodes
        expr = parts[0] if len(parts) == 1 else None
        while isinstance(expr, nodes.Filter) and expr.node is not None:
            expr = expr.node
        if isinstance(expr, nodes.Name) and expr.name in model_args:
            out.add(i)
    return out


def _command(spec: dict[str, Any], values: dict[str, Any], positional: set[int]) -> list[str]:
    """The command line: `--` before the first model operand (unless `end_of_options` is
    false, and then an operand starting with `-` is refused)."""
    args: list[str] = []
    ended = False
    end = spec.get("end_of_options", Path(str(spec["run"][0])).name not in NO_END_OF_OPTIONS)
    for i, item in enumerate(spec["run"]):
        text = _render(str(item), values)
        ended = ended or text == "--"
        if i in positional and not ended:
            if end:
                args.append("--")
                ended = True
            elif text.startswith("-"):
                raise ToolError(f"argument {text!r} starts with '-' and would be read as an "
                                "option")
        if text != "":
            args.append(text)
    return args


def _render(template: str, values: dict[str, Any]) -> str:
    try:
        return render(template, **values)
    except TemplateError as ex:
        raise ToolError(f"cannot fill in '{template}': {ex}") from None


def _url_values(template: str, values: dict[str, Any], model_args: set[str]) -> dict[str, Any]:
    """The arguments to put into a URL: the model's text percent-encoded, so that it stays
    one path segment or query value (`a b&c=d` -> `a%20b%26c%3Dd`). A URL that starts with
    an argument (`"{{ url }}"`) takes it as written: the model gives the whole address."""
    if template.lstrip().startswith("{{"):
        return values
    return {k: quote(v, safe="") if k in model_args and isinstance(v, str) else v
            for k, v in values.items()}


def _render_body(value: Any, values: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return _render(value, values)
    if isinstance(value, dict):
        return {k: _render_body(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_body(v, values) for v in value]
    return value


async def _run_command(
    spec: dict[str, Any], values: dict[str, Any], timeout: float, limit: int | None,
    base_dir: Path, positional: set[int],
) -> str:
    args = _command(spec, values, positional)
    stdin = _render(spec["input"], values) if isinstance(spec.get("input"), str) else None
    env = {k: str(v) for k, v in (spec.get("env") or {}).items()}
    # In a sandbox `cwd` is a folder inside it; here it is relative to the suite's folder.
    cwd: str | Path | None = spec.get("cwd")
    if current_sandboxes() is None:
        cwd = base_dir / str(cwd) if cwd else base_dir
    try:
        result = await run_command(args, input=stdin, cwd=cwd, env=env, timeout=timeout,
                                   output_limit=limit, pass_env=spec.get("pass_env") or ())
    except TimeoutError:
        raise ToolError(f"the command timed out after {timeout:g} seconds") from None
    except OSError as ex:
        raise ToolError(f"cannot run {args[0]!r}: {ex.strerror or ex}") from None
    note = f"\n[output truncated to {limit} characters]" if result.truncated else ""
    if not result.success:
        detail = (result.stderr or result.stdout).strip()
        raise ToolError(f"exit code {result.returncode}: {detail}{note}")
    return result.stdout + note


async def _request(
    http: dict[str, Any], values: dict[str, Any], timeout: float, limit: int | None,
    model_args: set[str],
) -> str:
    import httpx  # here, so that loading a suite does not import the HTTP client

    from .._util.http import http_client

    method = str(http.get("method") or "GET").upper()
    url = _render(http["url"], _url_values(http["url"], values, model_args))
    headers = {k: _render(str(v), values) for k, v in (http.get("headers") or {}).items()}
    # A server may echo a key back (in a 4xx body): the log, the model and exports get ***.
    register_header_secrets(headers)
    register_url_secrets(url)
    body = _render_body(http.get("body"), values) if "body" in http else None
    content = body if isinstance(body, str) else None
    payload = body if body is not None and not isinstance(body, str) else None
    try:
        async with http_client(timeout=timeout) as client:
            response = await client.request(method, url, headers=headers, content=content,
                                            json=payload)
    except httpx.TimeoutException:
        raise ToolError(f"the request timed out after {timeout:g} seconds") from None
    except httpx.HTTPError as ex:
        # The message names the URL only: headers may hold a key and never reach the model.
        raise ToolError(f"{method} {redact(url)} failed: {type(ex).__name__}") from None
    text = redact(response.text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"\n[output truncated to {limit} characters]"
    if response.status_code >= 400:
        raise ToolError(f"HTTP {response.status_code}: {text}")
    return text if text else json.dumps({"status": response.status_code})
