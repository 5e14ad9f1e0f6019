"""The log file format: append-only JSON that is valid once finished and readable before.

    {"version":1,"eval":{...},"plan":{...},"samples":[        <- line 1: the header
    {...first sample...}                                       <- one line per sample,
    ,{...next sample...}                                          appended as it finishes
    ],"status":"success","results":{...},...}                  <- the trailer, one write

A finished log is one JSON document. A log cut off at any point (a crash, SIGKILL) still
has its header and every sample line that was written; the reader drops a torn last line.
Reading the header (line 1 and the trailer) never touches the samples in between.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from .._util.secrets import redact
from ._model import EvalLog, EvalSample

SAMPLES_OPEN = '"samples":['
_TAIL_CHUNK = 64 * 1024


def header_line(log: EvalLog) -> str:
    head = log.model_dump(
        mode="json", exclude={"samples", "status", "results", "stats", "logging", "error"}
    )
    body = json.dumps(head, separators=(",", ":"), ensure_ascii=False)
    # Every line passes through `redact`: a key that slipped into a prompt, an error or
    # a tool result is still kept out of the file.
    return redact(body[:-1] + "," + SAMPLES_OPEN + "\n")


def trailer_line(log: EvalLog) -> str:
    tail = log.model_dump(mode="json", include={"status", "results", "stats", "logging", "error"})
    body = json.dumps(tail, separators=(",", ":"), ensure_ascii=False)
    return redact("]," + body[1:] + "\n")


def sample_line(sample: EvalSample, first: bool) -> str:
    body = sample.model_dump_json(exclude_none=True)
    return redact((body if first else "," + body) + "\n")


def parse_header(first_line: str) -> dict[str, Any]:
    line = first_line.rstrip("\n")
    if not line.endswith(SAMPLES_OPEN):
        raise ValueError("not an evalrunner log (no header line)")
    data: dict[str, Any] = json.loads(line + "]}")
    data.pop("samples", None)
    return data


def parse_trailer(last_line: str) -> dict[str, Any] | None:
    line = last_line.strip()
    if not line.startswith("],"):
        return None
    try:
        data: dict[str, Any] = json.loads('{"samples":[' + line)
    except json.JSONDecodeError:
        return None  # a torn trailer: the run did not finish writing it
    data.pop("samples", None)
    return data


def read_tail_line(f: IO[bytes]) -> str:
    """The last non-empty line of a seekable binary file, read backwards in chunks."""
    f.seek(0, io.SEEK_END)
    end = f.tell()
    buf = b""
    pos = end
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        pos -= step
        f.seek(pos)
        buf = f.read(step) + buf
        stripped = buf.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1].decode("utf-8", errors="replace")
    return buf.rstrip(b"\n").decode("utf-8", errors="replace")


def iter_sample_lines(f: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Each complete sample of a log file opened at its start; a torn last line is dropped."""
    f.seek(0)
    f.readline()
    for raw in f:
        line = raw.decode("utf-8", errors="replace").strip()
        if not line or line.startswith("],"):
            continue
        if line.startswith(","):
            line = line[1:]
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            continue  # the line being written when the process died
