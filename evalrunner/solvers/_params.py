"""The params of the task being run, for templates (`params` and each name on its own)."""

from __future__ import annotations

from typing import Any

from .._util.context import ContextField, task_field

task_params: ContextField[dict[str, Any]] = task_field("params")
