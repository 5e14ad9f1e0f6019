"""Example datasets shipped with the package: `dataset: {example: theory_of_mind}`."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...registry import register
from .._errors import DatasetError
from .._source import FileSource, RecordSource
from .jsonl import count_jsonl, parse_jsonl

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def example_names() -> list[str]:
    """The bundled examples, by name."""
    return sorted(p.name.removesuffix(".jsonl") for p in EXAMPLES_DIR.glob("*.jsonl"))


def read_example(spec: Mapping[str, Any], base_dir: Path) -> RecordSource:
    name = str(spec["example"])
    known = example_names()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise DatasetError(f"example: no example '{name}' ({hint}known: {', '.join(known)})")
    path = EXAMPLES_DIR / f"{name}.jsonl"
    source = FileSource(str(path), f"example {name}", parse_jsonl, count_jsonl)
    source.location = f"example:{name}"
    return source


register("dataset", "example", read_example, reader=True)
