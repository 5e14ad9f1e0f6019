"""The response cache on shared storage: EVALRUNNER_CACHE_DIR as an fsspec URL.

`EVALRUNNER_CACHE_DIR=s3://bucket/evalrunner-cache` (or `gs://`, `memory://`, ...) lets
every node of a cluster, and every CI job, read what the others cached. Entries have the
same layout and content as on disk; each is written whole by one put, so a reader never
sees half of one.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any


def cache_url() -> str | None:
    """The cache's URL when EVALRUNNER_CACHE_DIR names remote storage, else None."""
    value = os.environ.get("EVALRUNNER_CACHE_DIR", "")
    return value.rstrip("/") if "://" in value and not value.startswith("file://") else None


def read_entry(url: str) -> dict[str, Any] | None:
    import fsspec

    try:
        with fsspec.open(url, "rb") as f:
            entry = json.loads(f.read())
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def write_entry(url: str, entry: dict[str, Any]) -> None:
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)  # object stores: nothing to make
    fs.pipe_file(path, json.dumps(entry).encode())


def delete_entry(url: str) -> None:
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    with contextlib.suppress(OSError):
        fs.rm_file(path)
