"""CSV (and TSV): a header row names the fields; every value is text."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import IO

from ...registry import register
from .._errors import DatasetError
from .._source import Record, file_reader


def _parser(delimiter: str) -> Callable[[IO[str], str], Iterator[Record]]:
    def parse(text: IO[str], display: str) -> Iterator[Record]:
        rows = csv.DictReader(text, delimiter=delimiter)
        try:
            for row in rows:
                if None in row:
                    raise DatasetError(
                        f"{display}:{rows.line_num}: more values than the header has columns",
                        key="csv-columns",
                    )
                # A short row leaves its last columns None; they are empty cells.
                data = {k: "" if v is None else v for k, v in row.items()}
                yield Record(data, f"{display}:{rows.line_num}")
        except csv.Error as ex:
            raise DatasetError(f"{display}:{rows.line_num}: {ex}", key="csv") from None

    return parse


def _counter(delimiter: str) -> Callable[[IO[str]], int]:
    def count(text: IO[str]) -> int:
        # Parse rather than count lines: a quoted cell may span several lines.
        return max(0, sum(1 for row in csv.reader(text, delimiter=delimiter) if row) - 1)

    return count


register("dataset", "csv", file_reader(_parser(","), _counter(",")), reader=True,
         file_format=True)
register("dataset", "tsv", file_reader(_parser("\t"), _counter("\t")), reader=True,
         file_format=True)
