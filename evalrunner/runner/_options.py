"""What `evalrunner run` (or `evalrunner.eval`) asks for, beyond the suite itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model._config import GenerateConfig
from ..suite._model import LimitsDef


@dataclass
class RunOptions:
    """Run-wide options; each overrides the suite and task value of the same meaning."""

    model: str | None = None
    models: list[str] | None = None  # several models: each task runs once per model
    model_args: dict[str, Any] = field(default_factory=dict)
    # provider/name, or {model: provider/name, <config field>: value, ...}
    model_roles: dict[str, str | dict[str, Any]] = field(default_factory=dict)
    model_base_url: str | None = None
    config: GenerateConfig = field(default_factory=GenerateConfig)
    limit: tuple[int, int] | None = None  # 1-based inclusive range of dataset positions
    sample_ids: list[str] | None = None
    epochs: int | None = None
    max_samples: int | None = None
    max_tasks: int = 1
    fail_on_error: bool | float | None = None
    log_dir: str = "logs"
    log_level: str = "warning"
    log_format: str = "json"  # "json" (evalrunner's) or "eval" (Inspect's .eval)
    no_score: bool = False
    fail_under: dict[str, float] = field(default_factory=dict)
    shard: tuple[int, int] | None = None  # (i, n): every n-th sample from the i-th (1-based)
    retry_on_error: int = 0  # reruns of a sample that failed before it counts as an error
    retry_of: list[str] | None = None  # set by `retry`: the logs being finished
    limits: LimitsDef = field(default_factory=LimitsDef)  # --message-limit etc., over the task's
    trust: bool = False  # --trust: the suite may name its model's address (see _trust)


def parse_limit(value: str | int | None) -> tuple[int, int] | None:
    """`10` → samples 1..10; `5-10` → samples 5..10 (1-based, inclusive)."""
    if value is None:
        return None
    text = str(value).strip()
    if "-" in text:
        start, _, end = text.partition("-")
        first, last = int(start), int(end)
    else:
        first, last = 1, int(text)
    if first < 1 or last < first:
        raise ValueError(f"invalid limit '{value}': use N or A-B with 1 <= A <= B")
    return (first, last)
