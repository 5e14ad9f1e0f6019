"""evalrunner: declarative, YAML-first evaluations of large language models.

Everything a suite's `file.py@name` and a Python task file (`@task`, `Task`, the dataset
helpers, as Inspect spells them) need is importable from here (the current sample's
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
    "ToolDef": "evalrunner.tools",
    "tool_with": "evalrunner.tools",
    "ToolCallView": "evalrunner.tools",
    "ToolCallContent": "evalrunner.tools",
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
    "eval_set": "evalrunner.runner",
    "eval_retry": "evalrunner.runner._retry",
    "Task": "evalrunner.tasks",
    "task": "evalrunner.tasks",
    "task_with": "evalrunner.tasks",
    "Epochs": "evalrunner.tasks",
    "FieldSpec": "evalrunner.dataset",
    "MemoryDataset": "evalrunner.dataset",
    "RecordToSample": "evalrunner.dataset",
    "json_dataset": "evalrunner.dataset",
    "csv_dataset": "evalrunner.dataset",
    "hf_dataset": "evalrunner.dataset",
    "example_dataset": "evalrunner.dataset",
    "Dataset": "evalrunner.dataset",
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
    from .dataset import (
        Dataset,
        FieldSpec,
        MemoryDataset,
        RecordToSample,
        Sample,
        csv_dataset,
        example_dataset,
        hf_dataset,
        json_dataset,
    )
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
    from .runner import RunOptions, eval, eval_set
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
    from .tasks import Epochs, Task, task, task_with
    from .tools import (
        ExecResult,
        Tool,
        ToolCallContent,
        ToolCallView,
        ToolDef,
        ToolError,
        concurrency,
        subprocess,
        tool_with,
    )

__all__ = [*_EXPORTS, *_METRICS, "__version__"]
