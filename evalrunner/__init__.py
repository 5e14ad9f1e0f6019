"""evalrunner: declarative, YAML-first evaluations of large language models.

Everything a suite's `file.py@name` needs is importable from here (the current sample's
sandbox is `evalrunner.sandbox.sandbox()`: the subpackage holds the name). Names are loaded on
first use, so `import evalrunner` (and the CLI's `--help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "solver": "evalrunner.solvers",
    "TaskState": "evalrunner.solvers",
    "Generate": "evalrunner.solvers",
    "Solver": "evalrunner.solvers",
    "Target": "evalrunner.solvers",
    "scorer": "evalrunner.scorers",
    "metric": "evalrunner.scorers",
    "reducer": "evalrunner.scorers",
    "Score": "evalrunner.scorers",
    "Scorer": "evalrunner.scorers",
    "Metric": "evalrunner.scorers",
    "CORRECT": "evalrunner.scorers",
    "INCORRECT": "evalrunner.scorers",
    "PARTIAL": "evalrunner.scorers",
    "NOANSWER": "evalrunner.scorers",
    "tool": "evalrunner.tools",
    "Tool": "evalrunner.tools",
    "ToolError": "evalrunner.tools",
    "subprocess": "evalrunner.tools",
    "concurrency": "evalrunner.tools",
    "ExecResult": "evalrunner.tools",
    "store": "evalrunner.solvers",
    "Store": "evalrunner.solvers",
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
    "ContentReasoning": "evalrunner.model",
    "ContentAudio": "evalrunner.model",
    "ContentVideo": "evalrunner.model",
    "Sample": "evalrunner.dataset",
    "EvalLog": "evalrunner.log",
    "read_eval_log": "evalrunner.log",
    "write_eval_log": "evalrunner.log",
    "list_eval_logs": "evalrunner.log",
    "eval": "evalrunner.runner",
    "eval_retry": "evalrunner.runner._retry",
    "score": "evalrunner.runner._rescore",
    "RunOptions": "evalrunner.runner",
    "Sandbox": "evalrunner.sandbox",
    "SandboxBackend": "evalrunner.sandbox",
    "sandbox_backend": "evalrunner.sandbox",
}
# Built-in metrics, usable in @scorer(metrics=[...]), come from the registry.
_METRICS = ("accuracy", "mean", "stderr", "std", "var", "bootstrap_std", "grouped")


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
        ContentAudio,
        ContentImage,
        ContentReasoning,
        ContentText,
        ContentVideo,
        GenerateConfig,
        Model,
        ModelAPI,
        ModelOutput,
        get_model,
        modelapi,
    )
    from .runner import RunOptions, eval
    from .runner._rescore import score
    from .runner._retry import eval_retry
    from .sandbox import Sandbox, SandboxBackend, sandbox_backend
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
    from .solvers import Generate, Solver, Store, Target, TaskState, solver, store
    from .tools import ExecResult, Tool, ToolError, concurrency, subprocess

__all__ = [*_EXPORTS, *_METRICS, "__version__"]
