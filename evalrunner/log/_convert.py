"""Converting a log between evalrunner's JSON and Inspect's `.eval`, samples streamed."""

from __future__ import annotations

import os
from pathlib import Path

from ._file import header_line, sample_line, trailer_line
from ._inspect_write import write_inspect_log
from ._io import read_eval_log, read_eval_log_samples


def convert_log(source: str, target: str) -> int:
    """Write the log at `source` (either tool's, either format) to `target`: Inspect's
    `.eval` when it ends so, otherwise evalrunner's JSON. Returns the samples written.

    Samples are streamed (flat memory); the target appears whole or not at all.
    """
    header = read_eval_log(source, header_only=True)
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}")  # the same suffix: the same format
    try:
        if path.suffix == ".eval":
            count = write_inspect_log(header, read_eval_log_samples(source), tmp)
        else:
            count = 0
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(header_line(header))
                for sample in read_eval_log_samples(source):
                    f.write(sample_line(sample, count == 0))
                    count += 1
                f.write(trailer_line(header))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
