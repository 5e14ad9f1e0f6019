"""Which runs made sandboxes, where, and whether they are still going: for `sandbox cleanup`.

Each run that makes a sandbox records itself in this user's state folder
(`$EVALRUNNER_STATE_DIR`, else `$XDG_STATE_HOME/evalrunner`, else `~/.local/state/evalrunner`):
its process (id and start time, so a reused pid is not taken for it), its machine, its user
and the temporary folder its sample folders go to. `sandbox cleanup` removes only what
runs recorded here left, once they are over: another user's runs are not in this folder,
a live run's process still exists, and a run started with another TMPDIR is still found.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["RunRecord", "forget_run", "record_run", "run_state", "runs_folder", "sample_places"]

RunState = Literal["live", "over", "unknown"]


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    pid: int
    started: str  # the process's start time (field 22 of /proc/PID/stat)
    host: str
    uid: int
    tmpdir: str


def runs_folder() -> Path:
    override = os.environ.get("EVALRUNNER_STATE_DIR")
    if override:
        base = Path(override).expanduser()
    else:
        xdg = os.environ.get("XDG_STATE_HOME")
        base = (Path(xdg).expanduser() if xdg else Path.home() / ".local" / "state") / "evalrunner"
    return base / "sandbox-runs"


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def record_run(run_id: str) -> None:
    """Note that this process runs `run_id` and makes its sample folders in TMPDIR."""
    folder = runs_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    pid = os.getpid()
    record = RunRecord(run_id, pid, _start_time(pid) or "", socket.gethostname(), os.getuid(),
                       tempfile.gettempdir())
    path = folder / f"{run_id}.json"
    temporary = path.with_suffix(f".{pid}.tmp")
    temporary.write_text(json.dumps(record.__dict__))
    temporary.replace(path)


def _read(path: Path) -> RunRecord | None:
    try:
        return RunRecord(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def run_state(run_id: str) -> tuple[RunState, RunRecord | None]:
    """live: its process still runs (or runs on another machine); over; unknown: no record."""
    record = _read(runs_folder() / f"{run_id}.json")
    if record is None:
        return "unknown", None
    if record.host != socket.gethostname():
        return "live", record  # cannot tell from here: leave it to that machine
    alive = _start_time(record.pid) == record.started and bool(record.started)
    return ("live" if alive else "over"), record


def sample_places() -> list[Path]:
    """Every temporary folder a recorded run made sample folders in, and this one."""
    places = {Path(tempfile.gettempdir())}
    for path in sorted(runs_folder().glob("*.json")):
        record = _read(path)
        if record is not None:
            places.add(Path(record.tmpdir))
    return sorted(p for p in places if p.is_dir())


def forget_run(run_id: str) -> None:
    with contextlib.suppress(OSError):
        (runs_folder() / f"{run_id}.json").unlink()
