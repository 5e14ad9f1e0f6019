"""The one place where names become objects.

A name is a built-in (`generate`), a Python file relative to the suite
(`solvers.py@critic`), an importable module (`my_pkg.solvers:critic`) or a name an
installed package registers through the `evalrunner` entry-point group (`my_pkg/critic`).
Built-ins live one per module in a known folder per kind and register themselves with a
decorator when that folder is first imported, so adding one is adding one file.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import importlib
import importlib.util
import pkgutil
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._util.context import ContextField, task_field

RegistryKind = Literal[
    "solver", "scorer", "metric", "tool", "modelapi", "dataset", "reducer", "sandbox"
]

# Folders whose every module is imported the first time a kind is looked up.
_BUILTIN_PACKAGES: dict[str, tuple[str, ...]] = {
    "solver": ("evalrunner.solvers.builtin",),
    "scorer": ("evalrunner.scorers.builtin",),
    "metric": ("evalrunner.scorers.metrics",),
    "reducer": ("evalrunner.scorers.reducers",),
    "tool": ("evalrunner.tools.builtin",),
    "modelapi": ("evalrunner.model.providers",),
    "dataset": ("evalrunner.dataset.readers",),
    "sandbox": ("evalrunner.sandbox.backends",),
}


@dataclass
class RegistryInfo:
    """A registered object and what the registry knows about it."""

    kind: str
    name: str
    obj: Any
    metadata: dict[str, Any] = field(default_factory=dict)
    source_file: Path | None = None


class UnknownNameError(LookupError):
    """A name that resolves to nothing; `suggestions` holds the closest known names."""

    def __init__(self, kind: str, name: str, message: str, suggestions: list[str]) -> None:
        hint = f" (did you mean {', '.join(repr(s) for s in suggestions)}?)" if suggestions else ""
        super().__init__(f"{message}{hint}")
        self.kind = kind
        self.name = name
        self.suggestions = suggestions


_REGISTRY: dict[tuple[str, str], RegistryInfo] = {}
_LOADED_KINDS: set[str] = set()
# Names that exist only while a suite is compiled or run (tools declared in its YAML).
scoped_names: ContextField[dict[tuple[str, str], RegistryInfo]] = task_field("scoped_names")


class CodeNotImported(Exception):
    """`validate --no-code` met a suite's Python (`file.py@name`, `module:name`)."""


# While `without_code()` is on: the names of the suite's Python left unimported.
_NOT_IMPORTED: list[str] | None = None


@contextlib.contextmanager
def without_code() -> Iterator[list[str]]:
    """Refuse to import a suite's Python files and modules (CodeNotImported); yields the
    names refused, for `validate --no-code` on a checkout nobody has vouched for."""
    global _NOT_IMPORTED
    previous, _NOT_IMPORTED = _NOT_IMPORTED, []
    try:
        yield _NOT_IMPORTED
    finally:
        _NOT_IMPORTED = previous


def refuse_code(name: str) -> None:
    """Raise CodeNotImported (naming `name`) while `without_code()` is on: for code read by
    importing it, as a Python task file is."""
    _refuse_code(name)


def _refuse_code(name: str) -> None:
    if _NOT_IMPORTED is not None:
        if name not in _NOT_IMPORTED:
            _NOT_IMPORTED.append(name)
        raise CodeNotImported(f"not imported (--no-code): {name}")


def register(
    kind: RegistryKind, name: str, obj: Any, module: str | None = None, **metadata: Any
) -> None:
    """Record `obj` under `name`; a later registration of the same name replaces it.

    A component of a user's file (`module` names it) is recorded under `file@name`, and one
    of another module whose name a built-in has under `module:name`: a `@scorer def match`
    in `scorers.py` is `scorers.py@match` and never replaces the built-in `match`.
    """
    _REGISTRY[(kind, _key(kind, name, module))] = RegistryInfo(kind, name, obj, metadata)


def _key(kind: str, name: str, module: str | None) -> str:
    if module is None or module.split(".")[0] == "evalrunner":
        return name
    path = _FILE_OF_MODULE.get(module)
    if path is not None:
        return f"{path}@{name}"
    existing = _REGISTRY.get((kind, name))
    if existing is not None and existing.metadata.get("builtin"):
        return f"{module}:{name}"
    return name


def registered_names(kind: RegistryKind) -> list[str]:
    """Every built-in or already-registered name of a kind, sorted (without the components
    of files and modules, which are named by their file or module)."""
    _load_builtins(kind)
    return sorted(name for k, name in _REGISTRY if k == kind and "@" not in name
                  and ":" not in name)


def lookup_info(kind: RegistryKind, obj: Any) -> RegistryInfo | None:
    """The registry entry whose object is `obj`, if any."""
    for info in _REGISTRY.values():
        if info.kind == kind and info.obj is obj:
            return info
    return None


def resolve(kind: RegistryKind, name: str, base_dir: Path | None = None) -> RegistryInfo:
    """Resolve a name of the given kind, or raise UnknownNameError with close matches."""
    if "@" in name:
        return _resolve_file(kind, name, base_dir or Path.cwd())
    if ":" in name and kind != "modelapi":
        return _resolve_module(kind, name)
    _load_builtins(kind)
    info = _REGISTRY.get((kind, name)) or scoped_names.get().get((kind, name))
    if info is not None:
        return info
    parametric = _parametric(kind, name)
    if parametric is not None:
        return parametric
    if "/" in name and kind != "modelapi":
        return _resolve_entry_point(kind, name)
    known = registered_names(kind)
    raise UnknownNameError(
        kind, name, f"unknown {kind} '{name}'", difflib.get_close_matches(name, known, n=3)
    )


def _parametric(kind: str, name: str) -> RegistryInfo | None:
    """`pass_at_3` is the factory registered as `pass_at_k`, called with k=3."""
    match = re.fullmatch(r"(\w+?)_(\d+)", name)
    info = _REGISTRY.get((kind, f"{match[1]}_k")) if match else None
    if match is None or info is None:
        return None
    return RegistryInfo(kind, name, functools.partial(info.obj, int(match[2])), info.metadata)


_LOAD_LOCK = threading.RLock()
_LOADING: set[str] = set()  # kinds being imported by the thread holding the lock


def _load_builtins(kind: str) -> None:
    if kind in _LOADED_KINDS:
        return
    # Tasks set up in parallel threads (--max-tasks) resolve names at the same time: one
    # thread imports a kind's modules while the others wait, rather than finding a half
    # filled registry. Reentrant, since a module being imported may resolve names itself.
    with _LOAD_LOCK:
        if kind in _LOADED_KINDS or kind in _LOADING:
            return
        _LOADING.add(kind)
        try:
            for package_name in _BUILTIN_PACKAGES.get(kind, ()):
                package = importlib.import_module(package_name)
                for module in pkgutil.iter_modules(package.__path__):
                    if not module.name.startswith("_"):
                        importlib.import_module(f"{package_name}.{module.name}")
            _LOADED_KINDS.add(kind)  # only now: other threads must not see a partial set
        finally:
            _LOADING.discard(kind)


def _resolve_file(kind: str, name: str, base_dir: Path) -> RegistryInfo:
    file_part, _, attr = name.rpartition("@")
    path = (base_dir / file_part).resolve()
    if not path.is_file():
        raise UnknownNameError(kind, name, f"file '{file_part}' not found (from {name})", [])
    _refuse_code(name)
    module = load_python_file(path)
    return _attr_info(kind, name, module, attr, path)


def _resolve_module(kind: str, name: str) -> RegistryInfo:
    module_name, _, attr = name.partition(":")
    if module_name.split(".")[0] != "evalrunner":
        _refuse_code(name)
    try:
        module = importlib.import_module(module_name)
    except ImportError as ex:
        raise UnknownNameError(kind, name, f"cannot import '{module_name}': {ex}", []) from None
    file = getattr(module, "__file__", None)
    return _attr_info(kind, name, module, attr, Path(file) if file else None)


def _resolve_entry_point(kind: str, name: str) -> RegistryInfo:
    from importlib.metadata import entry_points

    package, _, attr = name.partition("/")
    for ep in entry_points(group="evalrunner"):
        if ep.name == package:
            loaded = ep.load()
            info = _REGISTRY.get((kind, name)) or _REGISTRY.get((kind, attr))
            if info is not None:
                return info
            return _attr_info(kind, name, loaded, attr, None)
    raise UnknownNameError(
        kind, name, f"no installed package registers '{package}' (entry-point group evalrunner)",
        [],
    )


def _attr_info(kind: str, name: str, module: Any, attr: str, path: Path | None) -> RegistryInfo:
    obj = getattr(module, attr, None)
    if obj is None:  # `@solver(name="careful")` on `def my_solver`: `file.py@careful`
        obj = _registered_in(kind, module, attr)
    if obj is None:
        public = [a for a in dir(module) if not a.startswith("_")]
        raise UnknownNameError(
            kind, name, f"'{attr}' is not defined in {name.split('@')[0].split(':')[0]}",
            difflib.get_close_matches(attr, public, n=3),
        )
    metadata = getattr(obj, "__registry_metadata__", None)
    if metadata is None:
        registered = lookup_info(kind, obj)  # type: ignore[arg-type]
        metadata = registered.metadata if registered else {}
    return RegistryInfo(kind, name, obj, metadata, path)


def _registered_in(kind: str, module: Any, name: str) -> Any:
    """The component of `module` registered as `name` by its decorator's `name=`."""
    for value in vars(module).values():
        metadata = getattr(value, "__registry_factory__", False) and lookup_info(
            kind, value)  # type: ignore[arg-type]
        if metadata and metadata.name == name:
            return value
    return None


_FILE_MODULES: dict[Path, Any] = {}
_FILE_OF_MODULE: dict[str, Path] = {}  # the module names of user files, and their files


def load_python_file(path: Path) -> Any:
    """Import a Python file once per process, under a name derived from its path."""
    path = path.resolve()
    if path in _FILE_MODULES:
        return _FILE_MODULES[path]
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    module_name = f"evalrunner_user_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    _FILE_OF_MODULE[module_name] = path
    spec.loader.exec_module(module)
    _FILE_MODULES[path] = module
    return module


def registry_name_of(obj: Callable[..., Any]) -> str:
    """The name a decorated object was created under (its qualname otherwise)."""
    return str(getattr(obj, "__registry_name__", getattr(obj, "__name__", repr(obj))))


def registry_args_of(obj: Callable[..., Any]) -> dict[str, Any]:
    """The arguments a decorated factory was called with, for logs."""
    return dict(getattr(obj, "__registry_args__", {}))
