"""The one error type of dataset reading."""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset that cannot be read; the message says where (file:line) and why.

    `key` identifies the kind of problem, so a check reports each kind once rather than
    once per record.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key or message
