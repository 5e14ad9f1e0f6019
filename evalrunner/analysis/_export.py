"""`evalrunner export`: logs as CSV, JSON lines, Parquet, or Inspect logs."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .._util.secrets import redact
from ..log._model import EvalLog
from ._rows import eval_row, sample_rows

FORMATS = ("csv", "jsonl", "parquet", "inspect")


def rows_of(logs: Sequence[EvalLog], per: str) -> Iterator[dict[str, Any]]:
    if per == "task":
        for log in logs:
            yield eval_row(log)
        return
    for log in logs:
        yield from sample_rows(log)


def write_rows(rows: Iterator[dict[str, Any]], fmt: str, out: IO[str] | Path) -> int:
    """Write rows as `csv`, `jsonl` or `parquet`; returns how many."""
    if fmt == "jsonl":
        assert not isinstance(out, Path)
        count = 0
        for row in rows:  # streamed: a big log is never all in memory
            out.write(redact(json.dumps(row, default=str, ensure_ascii=False)) + "\n")
            count += 1
        return count
    table = list(rows)
    if fmt == "parquet":
        from ._frames import _pandas

        assert isinstance(out, Path)
        frame = _pandas().DataFrame([_cells(r) for r in table])
        try:
            frame.to_parquet(out, index=False)
        except ImportError:
            raise ImportError("parquet needs pyarrow: pip install 'evalrunner[analysis]'") from None
        return len(table)
    assert not isinstance(out, Path)
    columns = list(dict.fromkeys(k for row in table for k in row))
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in table:
        writer.writerow(_cells(row))
    return len(table)


def _cells(row: dict[str, Any]) -> dict[str, Any]:
    """Lists and mappings as JSON text: a CSV cell or Parquet column holds one value."""
    cells = {k: json.dumps(v, default=str) if isinstance(v, list | dict) else v
             for k, v in row.items()}
    return {k: redact(v) if isinstance(v, str) else v for k, v in cells.items()}


def export_inspect(logs: Sequence[EvalLog], folder: Path) -> list[Path]:
    """One Inspect `.eval` log per log, named after it, in `folder`."""
    from ..log._inspect_write import write_inspect_log
    from ._read import read_samples

    written = []
    for log in logs:
        name = Path(str(log.location)).stem + ".eval"
        target = folder / name
        write_inspect_log(log, read_samples(str(log.location)), target)
        written.append(target)
    return written
