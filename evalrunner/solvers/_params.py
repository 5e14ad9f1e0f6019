"""The params of the task being run, for templates (`params` and each name on its own)."""

from __future__ import annotations

import contextvars
from typing import Any

task_params: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "task_params", default={}
)
