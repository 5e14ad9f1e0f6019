"""pandas DataFrames of logs (the `analysis` extra): one row per sample, task run, message
or event. Each reads evalrunner's logs and Inspect's `.json` and `.eval` logs; a folder
gives every run in it (a log that a later retry replaced left out), or with `latest=True`
the latest run of each task and model."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..log._model import EvalLog
from ._read import read_samples
from ._rows import eval_row, sample_row, select_logs

Paths = str | Path | Sequence[str | Path]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError("data frames need pandas: pip install 'evalrunner[analysis]'") from None
    return pandas


def _logs(paths: Paths, latest: bool, every: bool = False) -> list[EvalLog]:
    logs, errors = select_logs(paths, latest, every)
    if errors:
        raise ValueError("\n".join(errors))
    return logs


def samples_df(paths: Paths, latest: bool = False, every: bool = False) -> Any:
    """A DataFrame with one row per sample and epoch of the logs at `paths`.

    Columns: task, model, run_id, log, id, epoch, input, target, answer, `params/<name>`
    (the run's params: which prompt variant it was), `score/<scorer>` (the value as
    logged; None when unscored), `score/<scorer>/answer`, tokens, total_time, error,
    limit and `metadata/<key>` (nested keys joined with `/`). `every` takes every log file
    of a folder, also those a retry replaced.
    """
    pandas = _pandas()
    rows = [sample_row(log, s) for log in _logs(paths, latest, every)
            for s in read_samples(str(log.location))]
    return pandas.DataFrame(rows)


def evals_df(paths: Paths, latest: bool = False, every: bool = False) -> Any:
    """A DataFrame with one row per task run: task, model, `params/<name>`, status, sample
    counts, each metric as `<scorer>/<metric>`, tokens and times."""
    pandas = _pandas()
    return pandas.DataFrame([eval_row(log) for log in _logs(paths, latest, every)])


def messages_df(paths: Paths, latest: bool = False) -> Any:
    """A DataFrame with one row per message of each sample's conversation: task, model,
    run_id, id, epoch, `order` (its position), role, content (the text), `tool_calls`
    (the calls an assistant message made, as JSON), tool_call_id, function and error."""
    pandas = _pandas()
    return pandas.DataFrame(list(_message_rows(_logs(paths, latest))))


def events_df(paths: Paths, latest: bool = False) -> Any:
    """A DataFrame with one row per event of each sample: task, model, run_id, id, epoch,
    `order`, event (its kind), `t` (seconds since the sample started), span, and the
    event's own fields (`model`, `function`, `decision`, `time`, `usage/input_tokens`, ...;
    nested values joined with `/`, lists as JSON)."""
    pandas = _pandas()
    return pandas.DataFrame(list(_event_rows(_logs(paths, latest))))


def _keys(log: EvalLog, sample: Any) -> dict[str, Any]:
    return {"task": log.eval.task, "model": log.eval.model, "run_id": log.eval.run_id,
            "log": log.location, "id": sample.id, "epoch": sample.epoch}


def _message_rows(logs: list[EvalLog]) -> Iterator[dict[str, Any]]:
    for log in logs:
        for sample in read_samples(str(log.location)):
            for order, message in enumerate(sample.messages):
                calls = getattr(message, "tool_calls", None)
                yield {
                    **_keys(log, sample), "order": order, "role": message.role,
                    "content": message.text,
                    "tool_calls": json.dumps([c.model_dump(exclude_none=True) for c in calls])
                    if calls else None,
                    "tool_call_id": getattr(message, "tool_call_id", None),
                    "function": getattr(message, "function", None),
                    "error": getattr(message, "error", None),
                }


# The whole call of a model event is in messages_df and the log: a row keeps its summary.
_EVENT_LEFT_OUT = {"input", "tool_info", "reply", "call", "event", "t", "span"}


def _event_rows(logs: list[EvalLog]) -> Iterator[dict[str, Any]]:
    for log in logs:
        for sample in read_samples(str(log.location)):
            for order, event in enumerate(sample.events):
                data = event.model_dump(mode="json")
                row = {**_keys(log, sample), "order": order, "event": event.event,
                       "t": event.t, "span": event.span}
                for key, value in data.items():
                    if key in _EVENT_LEFT_OUT:
                        continue
                    if isinstance(value, dict):
                        row.update({f"{key}/{k}": v if not isinstance(v, list | dict)
                                    else json.dumps(v) for k, v in value.items()})
                    else:
                        row[key] = json.dumps(value) if isinstance(value, list) else value
                yield row
