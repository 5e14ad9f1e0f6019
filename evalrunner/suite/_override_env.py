"""Command-line sandbox and approval for every task: `--sandbox TYPE[:CONFIG]` and
`--approval FILE`, compiled with the checks of a suite's own `sandbox:` and `approval:`,
their errors located at the option (`--sandbox:1:1: ...`) or in the file (`file:3:5: ...`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from ..sandbox import SandboxSpec, sandbox_spec, spec_problems
from ..tools._approval import make_policy
from ._components import resolve_name
from ._model import SpecError
from ._report import Reporter
from ._yaml import YamlSyntaxError, read_yaml

# CONFIG of `TYPE:CONFIG` for docker: a compose file, a Dockerfile (or its folder), or an image.
_COMPOSE = (".yml", ".yaml")


def sandbox_option(value: str, cwd: Path) -> tuple[SandboxSpec | None, list[SpecError]]:
    """The spec `--sandbox` gives: `bwrap`, `docker:compose.yml`, `docker:Dockerfile`,
    `docker:IMAGE`, or a YAML mapping as a suite writes it (`{type: docker, memory: 1g}`)."""
    text = value.strip()
    try:
        doc = read_yaml(text if text.startswith("{") else json.dumps(text), "--sandbox")
    except YamlSyntaxError as ex:
        return None, [SpecError(ex.pos, ex.message)]
    rep = Reporter(doc)
    data = doc.data
    if isinstance(data, str):
        kind, _, config = data.partition(":")
        if config and kind != "docker":
            rep.error((), f"{kind} takes no CONFIG: give its settings as a mapping "
                          f"(--sandbox '{{type: {kind}, memory: 1g}}')")
            return None, rep.finish()[0]
        data = {"type": kind, **_config(config, cwd)} if config else {"type": kind}
    try:
        spec = sandbox_spec(data)
    except ValueError as ex:
        rep.error((), str(ex))
        return None, rep.finish()[0]
    for problem in spec_problems(spec, cwd):
        rep.error((), problem)
    errors, _ = rep.finish()
    return (None if errors else spec), errors


def _config(config: str, cwd: Path) -> dict[str, Any]:
    path = cwd / config
    if config.endswith(_COMPOSE):
        return {"compose": str(path)}
    if path.name.startswith("Dockerfile") or path.is_dir():
        return {"build": str(path)}
    return {"image": config}


def approval_option(file: str, cwd: Path) -> tuple[dict[str, Any] | None, list[SpecError]]:
    """The approval rules of `--approval FILE`: the shape of a suite's `approval:` (pattern:
    approver), or Inspect's (`approvers: [{name, tools, ...}]`)."""
    path = (cwd / file).resolve()
    return _approval_file(str(path), file)


@functools.lru_cache(maxsize=8)
def _approval_file(path: str, shown: str) -> tuple[dict[str, Any] | None, list[SpecError]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as ex:
        doc = read_yaml("null", "--approval")
        rep = Reporter(doc)
        rep.error((), f"cannot read {shown}: {ex.strerror or ex}")
        return None, rep.finish()[0]
    try:
        doc = read_yaml(text, shown)
    except YamlSyntaxError as ex:
        return None, [SpecError(ex.pos, ex.message)]
    rep = Reporter(doc)
    rules = _rules(doc.data, rep)
    base = Path(path).parent
    checked: dict[str, Any] = {}
    for pattern, (where, entry) in rules.items():
        try:
            make_policy({pattern: entry}, functools.partial(_function, where=where, rep=rep,
                                                            base=base))
        except _Reported:
            continue
        except (ValueError, TypeError) as ex:
            rep.error(where, str(ex))
            continue
        checked[pattern] = _absolute(entry, base)
    errors, _ = rep.finish()
    return (None if errors else checked), errors


def _rules(data: Any, rep: Reporter) -> dict[str, tuple[tuple[Any, ...], Any]]:
    """pattern -> (where it is written, approver entry)."""
    if isinstance(data, dict) and isinstance(data.get("approvers"), list):
        rules: dict[str, tuple[tuple[Any, ...], Any]] = {}
        for i, item in enumerate(data["approvers"]):
            where = ("approvers", i)
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                rep.error(where, "an approver is {name: ..., tools: ...}")
                continue
            args = {k: v for k, v in item.items() if k not in ("name", "tools")}
            tools = item.get("tools", "*")
            for pattern in [tools] if isinstance(tools, str) else list(tools or []):
                rules.setdefault(str(pattern), (where, {item["name"]: args} if args
                                                else item["name"]))
        return rules
    if not isinstance(data, dict) or not data:
        rep.error((), "an approval file maps tool-name patterns to approvers "
                      "(bash: human, '*': auto), as a suite's approval: does")
        return {}
    return {str(k): ((k,), v) for k, v in data.items()}


class _Reported(Exception):
    pass


def _function(name: str, where: tuple[Any, ...], rep: Reporter, base: Path) -> Any:
    info = resolve_name("solver", name, where, rep, base, at_key=False)
    if info is None:
        raise _Reported
    return info.obj


def _absolute(entry: Any, base: Path) -> Any:
    """A `file.py@name` approver named from the file's folder, so it resolves from any suite."""
    def fix(name: str) -> str:
        file, sep, rest = name.partition("@")
        return str(base / file) + sep + rest if sep and file.endswith(".py") else name

    if isinstance(entry, str):
        return fix(entry)
    if isinstance(entry, dict) and len(entry) == 1:
        ((name, args),) = entry.items()
        return {fix(str(name)): args}
    return entry
