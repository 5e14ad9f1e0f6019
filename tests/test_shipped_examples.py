"""The solver and tool examples that declare a model finish offline on it, as shipped.

(The agent examples have their own tests, which also check what each one shows.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.agent_runs import run_shipped
from tests.conftest import ROOT

EXAMPLES = [p for folder in ("solvers", "tools")
            for p in sorted((ROOT / "suites" / folder).glob("*.yml"))
            if "model" in (yaml.safe_load(p.read_text()) or {})]


def test_the_examples_are_found() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("suite", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_an_example_finishes_on_its_declared_model(suite: Path, tmp_path: Path) -> None:
    logs = run_shipped(suite, tmp_path)  # within 3 minutes, exit 0, no traceback
    assert logs and all(log.status == "success" for log in logs.values())
    assert all(s.error is None for log in logs.values() for s in log.samples)
