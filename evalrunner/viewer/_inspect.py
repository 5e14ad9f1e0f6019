"""Inspect logs in the viewer: each converted once to this tool's log format, so the
index, filters and pages work on it as on any other log."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
import threading
from pathlib import Path

from ..log._inspect_read import read_inspect_log
from ..log._io import write_eval_log


class InspectCache:
    """Conversions of Inspect logs, in a temporary folder removed at exit."""

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._lock = threading.Lock()

    def converted(self, path: Path) -> Path:
        st = path.stat()
        key = hashlib.sha256(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:24]
        with self._lock:
            target = self._root() / f"{key}.json"
            if not target.exists():
                write_eval_log(read_inspect_log(str(path)), target)
        return target

    def _root(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="evalrunner-view-"))
            atexit.register(shutil.rmtree, self._folder, True)
        return self._folder
