"""Results as data: comparing runs, data frames of samples and evals, exports, plots.

pandas (for the data frames and parquet) and matplotlib (for plots) come with the
`analysis` and `plot` extras; everything else needs only the core dependencies.
"""

from __future__ import annotations

from ._compare import Disagreement, Pair, Run, TaskComparison, compare_logs, compare_task
from ._frames import evals_df, events_df, messages_df, samples_df
from ._read import every_run, latest_runs, log_files, read_header, read_headers, read_samples
from ._report import comparison_json, format_comparison
from ._stats import Interval, difference

__all__ = [
    "Disagreement",
    "Interval",
    "Pair",
    "Run",
    "TaskComparison",
    "compare_logs",
    "compare_task",
    "comparison_json",
    "difference",
    "evals_df",
    "events_df",
    "every_run",
    "format_comparison",
    "latest_runs",
    "log_files",
    "messages_df",
    "read_header",
    "read_headers",
    "read_samples",
    "samples_df",
]
