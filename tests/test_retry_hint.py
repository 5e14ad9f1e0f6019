"""The `to finish:` line after Ctrl-C is a command that works: a log that names its own
address is refused by a plain `retry` (a log is a stranger's data), so the hint for the
user's own run carries --trust."""

from __future__ import annotations

from typing import Any

import pytest

from evalrunner.cli._report import report_cancelled
from evalrunner.log._model import EvalLog


class _Display:
    def summary(self, logs: list[EvalLog]) -> None:
        pass


def _log(**spec: Any) -> EvalLog:
    log = EvalLog.model_validate({"status": "cancelled", "eval": {
        "run_id": "r", "task": "t", "created": "2026-12-07", "model": "openai/gpt-4o", **spec}})
    log.location = "logs/run.json"
    return log


@pytest.mark.parametrize(("spec", "trust"), [
    ({}, False),
    ({"model_base_url": "http://127.0.0.1:9/v1"}, True),
    ({"model_args": {"base_urls": ["http://127.0.0.1:9/v1"]}}, True),
    ({"model_args": {"temperature": 0}}, False),
    ({"model_roles": {"grader": {"model": "openai/gpt-4o", "base_url": "http://h/v1"}}}, True),
    ({"model_roles": {"grader": "openai/gpt-4o"}}, False),
])
def test_the_hint_carries_trust_only_for_a_log_with_its_own_address(
        spec: dict[str, Any], trust: bool, capsys: pytest.CaptureFixture[str]) -> None:
    report_cancelled(_Display(), [_log(**spec)], planned=1)
    [hint] = [line for line in capsys.readouterr().err.splitlines() if "to finish" in line]
    expected = "evalrunner retry --trust logs" if trust else "evalrunner retry logs"
    assert hint == f"to finish: {expected}"
