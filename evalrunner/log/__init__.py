"""Eval logs: the model, and reading, writing and listing log files."""

from ._io import list_eval_logs, read_eval_log, read_eval_log_samples, write_eval_log
from ._model import (
    LOG_VERSION,
    EvalDataset,
    EvalError,
    EvalLog,
    EvalMetric,
    EvalPlan,
    EvalPlanStep,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    EvalStamp,
    EvalStats,
    EvalThreshold,
    LoggingMessage,
    ModelCallStats,
    Status,
)
from ._writer import LogWriter

__all__ = [
    "LOG_VERSION",
    "EvalDataset",
    "EvalError",
    "EvalLog",
    "EvalMetric",
    "EvalPlan",
    "EvalPlanStep",
    "EvalResults",
    "EvalSample",
    "EvalScore",
    "EvalSpec",
    "EvalStamp",
    "EvalStats",
    "EvalThreshold",
    "LogWriter",
    "LoggingMessage",
    "ModelCallStats",
    "Status",
    "list_eval_logs",
    "read_eval_log",
    "read_eval_log_samples",
    "write_eval_log",
]
