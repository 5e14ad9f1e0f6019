"""evalrunner: declarative, YAML-first evaluations of large language models.

Everything a suite's `file.py@name` needs is importable from here. Names are loaded on
first use, so `import evalrunner` (and the CLI's `--help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "solver": "evalrunner.solver",
    "TaskState": "evalrunner.solver",
    "Generate": "evalrunner.solver",
    "Solver": "evalrunner.solver",
    "Target": "evalrunner.solver",
    "scorer": "evalrunner.scorer",
    "metric": "evalrunner.scorer",
    "reducer": "evalrunner.scorer",
    "Score": "evalrunner.scorer",
    "Scorer": "evalrunner.scorer",
    "Metric": "evalrunner.scorer",
    "CORRECT": "evalrunner.scorer",
    "INCORRECT": "evalrunner.scorer",
    "PARTIAL": "evalrunner.scorer",
    "NOANSWER": "evalrunner.scorer",
    "tool": "evalrunner.tools",
    "Tool": "evalrunner.tools",
    "ToolError": "evalrunner.tools",
    "modelapi": "evalrunner.model",
    "ModelAPI": "evalrunner.model",
    "Model": "evalrunner.model",
    "ModelOutput": "evalrunner.model",
    "GenerateConfig": "evalrunner.model",
    "get_model": "evalrunner.model",
    "ChatMessageSystem": "evalrunner.model",
    "ChatMessageUser": "evalrunner.model",
    "ChatMessageAssistant": "evalrunner.model",
    "ChatMessageTool": "evalrunner.model",
    "ContentText": "evalrunner.model",
    "ContentImage": "evalrunner.model",
    "Sample": "evalrunner.dataset",
    "EvalLog": "evalrunner.log",
    "read_eval_log": "evalrunner.log",
    "write_eval_log": "evalrunner.log",
    "list_eval_logs": "evalrunner.log",
    "eval": "evalrunner.runner",
    "RunOptions": "evalrunner.runner",
}
# Built-in metrics, usable in @scorer(metrics=[...]), come from the registry.
_METRICS = ("accuracy", "mean", "stderr", "std", "var")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _METRICS:
        from .registry import resolve

        return resolve("metric", name).obj
    raise AttributeError(f"module 'evalrunner' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*_EXPORTS, *_METRICS, "__version__"])


if TYPE_CHECKING:
    from .dataset import Sample
    from .log import EvalLog, list_eval_logs, read_eval_log, write_eval_log
    from .model import (
        ChatMessageAssistant,
        ChatMessageSystem,
        ChatMessageTool,
        ChatMessageUser,
        ContentImage,
        ContentText,
        GenerateConfig,
        Model,
        ModelAPI,
        ModelOutput,
        get_model,
        modelapi,
    )
    from .runner import RunOptions, eval
    from .scorers import (
        CORRECT,
        INCORRECT,
        NOANSWER,
        PARTIAL,
        Metric,
        Score,
        Scorer,
        metric,
        reducer,
        scorer,
    )
    from .solvers import Generate, Solver, Target, TaskState, solver
    from .tools import Tool, ToolError

__all__ = [*_EXPORTS, *_METRICS, "__version__"]
