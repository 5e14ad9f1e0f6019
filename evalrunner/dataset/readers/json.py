"""JSON: a file holding one array of objects (read whole: JSON has no record boundaries)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from ...registry import register
from .._errors import DatasetError
from .._source import Record, file_reader


def parse_json(text: IO[str], display: str) -> Iterator[Record]:
    try:
        data = json.load(text)
    except json.JSONDecodeError as ex:
        raise DatasetError(
            f"{display}:{ex.lineno}:{ex.colno}: invalid JSON: {ex.msg}", key="json"
        ) from None
    if not isinstance(data, list):
        raise DatasetError(
            f"{display}: expected a JSON array of records, found {type(data).__name__}",
            key="json-array",
        )
    for index, item in enumerate(data):
        where = f"{display}: record {index + 1}"
        if not isinstance(item, dict):
            raise DatasetError(
                f"{where}: expected a JSON object, found {type(item).__name__}",
                key="json-object",
            )
        yield Record(item, where)


register("dataset", "json", file_reader(parse_json), reader=True, file_format=True)
