"""JSON Lines: one JSON object per line; blank lines are skipped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from ...registry import register
from .._errors import DatasetError
from .._source import Record, file_reader


def parse_jsonl(text: IO[str], display: str) -> Iterator[Record]:
    """Records of a JSON Lines stream, each located by its line number."""
    for line_no, line in enumerate(text, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as ex:
            raise DatasetError(
                f"{display}:{line_no}:{ex.colno}: invalid JSON: {ex.msg}", key="json"
            ) from None
        if not isinstance(data, dict):
            raise DatasetError(
                f"{display}:{line_no}:1: expected a JSON object, found {type(data).__name__}",
                key="json-object",
            )
        yield Record(data, f"{display}:{line_no}")


def count_jsonl(text: IO[str]) -> int:
    """Non-blank lines: the record count without parsing any JSON."""
    return sum(1 for line in text if line.strip())


reader = file_reader(parse_jsonl, count_jsonl)
register("dataset", "jsonl", reader, reader=True, file_format=True)
register("dataset", "ndjson", reader, reader=True, file_format=True)
