"""The response cache: a model's answer stored on disk, keyed by everything that shapes it.

`cache: true` (or a policy `{expiry: 1W, per_epoch: true, scopes: {...}}`) in a generation
config turns it on. The key covers the model name (provider included), base URL, model
args, the fully rendered messages, tools and tool choice, every generation parameter that
is not about the connection, the policy's scopes and, unless `per_epoch: false`, the epoch
of the sample (the executor sets `cache_epoch`). Entries live under the user cache folder:
$EVALRUNNER_CACHE_DIR, else $XDG_CACHE_HOME/evalrunner, else ~/.cache/evalrunner. Files are
read and written in a worker thread, never on the event loop. EVALRUNNER_CACHE_DIR may be
an fsspec URL (`s3://bucket/cache`): the nodes of a cluster then share one cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._util.context import ContextField, sample_field
from .._util.secrets import redact
from ..tools._info import ToolChoice, ToolInfo
from ._cache_fs import cache_url, delete_entry, read_entry, write_entry
from ._chat import ChatMessageBase
from ._config import CONNECTION_FIELDS, GenerateConfig
from ._output import ModelOutput

# The epoch of the sample being run; the executor sets it per sample.
cache_epoch: ContextField[int | None] = sample_field("cache_epoch")

DEFAULT_EXPIRY = "1W"
_UNITS = {"s": 1, "m": 60, "h": 3600, "D": 86400, "W": 7 * 86400, "M": 30 * 86400,
          "Y": 365 * 86400}
_EXPIRY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhDWMY])\s*$")
_FORMAT = 1  # bump when the entry layout changes; older entries then read as misses


@dataclass(frozen=True)
class CachePolicy:
    """How long entries live and what, beyond the request, keeps them apart."""

    expiry: float | None = _UNITS["W"]  # seconds; None: never expires
    per_epoch: bool = True
    scopes: dict[str, Any] = field(default_factory=dict)


def cache_policy(value: bool | dict[str, Any] | CachePolicy | None) -> CachePolicy | None:
    """The policy a config's `cache` value asks for (None: no caching)."""
    if value is None or value is False:
        return None
    if value is True:
        return CachePolicy()
    if isinstance(value, CachePolicy):
        return value
    unknown = sorted(set(value) - {"expiry", "per_epoch", "scopes"})
    if unknown:
        raise ValueError(f"cache: unknown option '{unknown[0]}' (use expiry, per_epoch, scopes)")
    scopes = value.get("scopes") or {}
    if not isinstance(scopes, dict):
        raise ValueError("cache: 'scopes' must be a mapping")
    return CachePolicy(
        expiry=parse_expiry(value.get("expiry", DEFAULT_EXPIRY)),
        per_epoch=bool(value.get("per_epoch", True)),
        scopes=dict(scopes),
    )


def parse_expiry(value: str | float | None) -> float | None:
    """Seconds from `30s`, `5m`, `3h`, `2D`, `1W`, `1M` (30 days), `1Y`, a number, or None."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _EXPIRY.match(str(value))
    if match is None:
        raise ValueError(
            f"cache: expiry '{value}' is not a duration such as 30s, 5m, 3h, 2D, 1W, 1M or 1Y"
        )
    return float(match.group(1)) * _UNITS[match.group(2)]


def cache_dir() -> Path:
    """The folder holding cached responses (created on first write)."""
    override = os.environ.get("EVALRUNNER_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "evalrunner"


def cache_key(
    model: str,
    base_url: str | None,
    model_args: dict[str, Any],
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
    policy: CachePolicy,
) -> str:
    """A hex digest of everything that changes the answer."""
    settings = {
        k: v for k, v in config.model_dump(mode="json", exclude_none=True).items()
        if k not in CONNECTION_FIELDS
    }
    data = {
        "model": model,
        "base_url": base_url,
        "model_args": model_args,
        # `source` only says where a message came from; it never reaches the model.
        "messages": [m.model_dump(mode="json", exclude={"source"}) for m in messages],
        "tools": [t.model_dump(mode="json") for t in tools],
        "tool_choice": tool_choice if isinstance(tool_choice, str | None)
        else tool_choice.model_dump(mode="json"),
        "config": settings,
        "epoch": cache_epoch.get() if policy.per_epoch else None,
        "scopes": policy.scopes,
    }
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _model_folder(model: str) -> Path:
    return cache_dir() / "generate" / _model_parts(model)


def _model_parts(model: str) -> Path:
    # Model names may hold characters a file system dislikes (bedrock ids have ':').
    return Path(*[re.sub(r"[^A-Za-z0-9._-]", "_", p) or "_" for p in model.split("/")])


def _entry_url(root: str, model: str, key: str) -> str:
    return f"{root}/generate/{_model_parts(model).as_posix()}/{key[:2]}/{key}.json"


def _entry_path(model: str, key: str) -> Path:
    return _model_folder(model) / key[:2] / f"{key}.json"


async def cache_fetch(model: str, key: str) -> ModelOutput | None:
    """The cached output for `key`, or None when absent, expired or unreadable."""
    root = cache_url()
    if root is not None:
        return await asyncio.to_thread(_read_url, _entry_url(root, model, key))
    return await asyncio.to_thread(_read, _entry_path(model, key))


async def cache_store(model: str, key: str, output: ModelOutput, policy: CachePolicy) -> None:
    now = time.time()
    entry = {
        "format": _FORMAT,
        "model": model,
        "created": now,
        "expires": None if policy.expiry is None else now + policy.expiry,
        "output": output.model_dump(mode="json"),
    }
    root = cache_url()
    if root is not None:
        await asyncio.to_thread(write_entry, _entry_url(root, model, key), entry)
        return
    await asyncio.to_thread(_write, _entry_path(model, key), entry)


def _read_url(url: str) -> ModelOutput | None:
    entry = read_entry(url)
    if entry is None or entry.get("format") != _FORMAT:
        return None
    if _expired(entry, time.time()):
        delete_entry(url)
        return None
    return _output(entry)


def _read(path: Path) -> ModelOutput | None:
    entry = _load(path)
    if entry is None:
        return None
    if _expired(entry, time.time()):
        path.unlink(missing_ok=True)
        return None
    return _output(entry)


def _output(entry: dict[str, Any]) -> ModelOutput | None:
    try:
        return ModelOutput.model_validate(entry["output"])
    except (KeyError, ValueError):
        return None


def _load(path: Path) -> dict[str, Any] | None:
    try:
        entry = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != _FORMAT:
        return None
    return entry


def _expired(entry: dict[str, Any], now: float) -> bool:
    expires = entry.get("expires")
    return isinstance(expires, int | float) and expires <= now


def _write(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a concurrent reader never sees half an entry.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(redact(json.dumps(entry)))  # a reply may quote the provider's key
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class CacheSummary:
    """What the cache holds for one model."""

    model: str
    entries: int = 0
    expired: int = 0
    size: int = 0  # bytes


def cache_list() -> list[CacheSummary]:
    """Entries per model, sorted by model name."""
    summaries: dict[str, CacheSummary] = {}
    now = time.time()
    for path in _entries():
        entry = _load(path)
        model = str(entry.get("model")) if entry else _folder_name(path)
        summary = summaries.setdefault(model, CacheSummary(model))
        summary.entries += 1
        summary.size += _size(path)
        if entry is None or _expired(entry, now):
            summary.expired += 1
    return sorted(summaries.values(), key=lambda s: s.model)


def cache_clear(model: str | None = None) -> int:
    """Delete every entry (or those of one model); returns how many were deleted."""
    folder = _model_folder(model) if model else None
    removed = 0
    for path in _entries(folder):
        path.unlink(missing_ok=True)
        removed += 1
    _remove_empty_folders(folder or cache_dir() / "generate")
    return removed


def cache_prune(model: str | None = None) -> int:
    """Delete expired and unreadable entries; returns how many were deleted."""
    folder = _model_folder(model) if model else None
    removed = 0
    now = time.time()
    for path in _entries(folder):
        entry = _load(path)
        if entry is None or _expired(entry, now):
            path.unlink(missing_ok=True)
            removed += 1
    _remove_empty_folders(folder or cache_dir() / "generate")
    return removed


def _entries(folder: Path | None = None) -> list[Path]:
    """Entry files under the whole cache, or exactly those of one model's folder."""
    root = folder or cache_dir() / "generate"
    if not root.is_dir():
        return []
    paths = (p for p in root.rglob("*.json") if not p.name.startswith(".tmp-"))
    if folder is not None:
        # `hf/org` must not take the entries of `hf/org/model` along with its own.
        paths = (p for p in paths if p.parent.parent == folder)
    return sorted(paths)


def _folder_name(path: Path) -> str:
    return path.parent.parent.relative_to(cache_dir() / "generate").as_posix()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _remove_empty_folders(folder: Path) -> None:
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()
