"""Eval logs: the model, and reading, writing and listing log files."""

from ._convert import convert_log
from ._edit import ProvenanceData, ScoreEdit, edit_score
from ._io import (
    LogFileError,
    list_eval_logs,
    read_eval_log,
    read_eval_log_samples,
    write_eval_log,
)
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
    "LogFileError",
    "LogWriter",
    "LoggingMessage",
    "ModelCallStats",
    "ProvenanceData",
    "ScoreEdit",
    "Status",
    "convert_log",
    "edit_score",
    "list_eval_logs",
    "read_eval_log",
    "read_eval_log_samples",
    "write_eval_log",
]
