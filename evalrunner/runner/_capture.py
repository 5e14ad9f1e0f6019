"""Python logging captured into a task's log."""

from __future__ import annotations

import logging

from .._util.secrets import redact
from ..log._model import LoggingMessage

# The `--log-level` values, as Inspect names them (trace and http sit around debug).
LOG_LEVELS: dict[str, int] = {
    "trace": 5, "debug": logging.DEBUG, "http": 15, "info": logging.INFO,
    "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL,
    "notset": logging.NOTSET,
}


def log_level_problem(level: str) -> str | None:
    """Why a `--log-level` value is not one, or None when it is."""
    if level.lower() in LOG_LEVELS:
        return None
    return f"'{level}' is not a log level (one of: {', '.join(LOG_LEVELS)})"


class LogCapture(logging.Handler):
    """Collects records at or above `level` while a task runs."""

    def __init__(self, level: str) -> None:
        super().__init__(LOG_LEVELS.get(level.lower(), logging.WARNING))
        self.records: list[LoggingMessage] = []
        root = logging.getLogger()
        if root.level > self.level or root.level == logging.NOTSET:
            root.setLevel(self.level)
        root.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")) and record.levelno < logging.WARNING:
            return  # per-request chatter; rate limits are counted in the stats instead
        self.records.append(
            LoggingMessage(
                level=record.levelname.lower(),
                message=redact(record.getMessage()),
                created=record.created,
                name=record.name,
            )
        )

    def finish(self) -> list[LoggingMessage]:
        logging.getLogger().removeHandler(self)
        return self.records
