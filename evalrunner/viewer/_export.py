"""`evalrunner view --export DIR`: the viewer as static files, for CI artifacts.

The page is the same; its data comes from script files (`data/...js`, each calling
`evrData(key, value)`) instead of the JSON API, so the folder works from any static web
host and also when `index.html` is opened straight from disk (browsers refuse `fetch`
on `file:` pages, but load scripts). Sample rows come in chunks of ROWS and transcripts
in chunks of TRANSCRIPTS, so opening a big log still loads only what is shown; the
filters run in the page over the rows, and text search over each sample's first
SEARCH characters of text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ._app import static_files
from ._library import LogLibrary
from ._rows import sample_row, search_text

ROWS = 1000
TRANSCRIPTS = 50
SEARCH = 2000


def export_viewer(log_dir: str | Path, out_dir: str | Path) -> list[str]:
    """Write the viewer and the logs of `log_dir` into `out_dir`; returns the logs' ids."""
    library = LogLibrary(log_dir)
    out = Path(out_dir)
    data_dir = out / "data"
    if data_dir.exists():
        shutil.rmtree(data_dir)  # a previous export's logs must not linger
    (out / "assets").mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True)
    for name, body in static_files().items():
        target = out / name if name == "index.html" else out / "assets" / name
        if name == "index.html":
            body = body.replace(b'content="server"', b'content="static"')
        target.write_bytes(body)
    rows = library.list_logs()
    exported = []
    for i, row in enumerate(rows):
        key = f"l{i}"
        _export_log(library, row["id"], key, data_dir / key)
        exported.append(row["id"])
        row["id"] = key
        row["source"] = exported[-1]
    _write(data_dir / "logs.js", "logs", rows)
    return exported


def _export_log(library: LogLibrary, log_id: str, key: str, folder: Path) -> None:
    folder.mkdir(parents=True)
    index = library.index_of(library.path_of(log_id))
    header = library.header(log_id)
    header.update(id=key, source=log_id, row_chunk=ROWS, transcript_chunk=TRANSCRIPTS)
    _write(folder / "header.js", f"{key}/header", header)
    _write(folder / "facets.js", f"{key}/facets", library.facets(log_id))
    rows: dict[int, dict[str, Any]] = {}
    for first in range(0, index.count, TRANSCRIPTS):
        ns = list(range(first, min(index.count, first + TRANSCRIPTS)))
        samples = index.read_many(ns)
        for n, data in zip(ns, samples, strict=True):
            rows[n] = sample_row(n, data)
            rows[n]["search"] = search_text(data, SEARCH)
            data["n"] = n
        chunk = first // TRANSCRIPTS
        by_n = dict(zip(map(str, ns), samples, strict=True))
        _write(folder / f"t-{chunk}.js", f"{key}/t-{chunk}", by_n)
    ordered = [rows[n] for n in index.order()]
    for chunk, first in enumerate(range(0, len(ordered), ROWS)):
        _write(folder / f"rows-{chunk}.js", f"{key}/rows-{chunk}", ordered[first : first + ROWS])


def _write(path: Path, key: str, value: Any) -> None:
    # ASCII only: a script read from disk may not be decoded as UTF-8.
    body = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    path.write_text(f"evrData({json.dumps(key)},{body});\n", encoding="ascii")
