"""The default install has no optional extras: shipped suites still validate, and a run
that needs a missing extra stops before its log with the extra named. The extra is hidden
from the CLI's process by a `sitecustomize.py` (as if it were not installed)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT, run_cli, write

MCP_SUITE = "suites/agents/mcp.yml"


def without(tmp_path: Path, module: str) -> dict[str, str]:
    write(tmp_path / "site" / "sitecustomize.py",
          f"import sys\nsys.modules[{module!r}] = None  # `import {module}` fails\n")
    return {"PYTHONPATH": f"{tmp_path / 'site'}:{ROOT}"}


def test_validate_of_the_shipped_suites_passes_without_the_mcp_extra(tmp_path: Path) -> None:
    result = run_cli("validate", "suites/", env=without(tmp_path, "mcp"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    warnings = [line for line in result.stderr.splitlines() if "mcp extra" in line]
    # a warning per task whose tools come from an MCP server, and only those
    warned = {line.split(":")[0] for line in warnings}
    mcp_suites = {f"suites/agents/{p.name}" for p in (ROOT / "suites" / "agents").glob("*.yml")
                  if "mcp:" in p.read_text()}
    assert MCP_SUITE in warned and warned == mcp_suites
    for warning in warnings:
        assert ": warning: " in warning
        assert "pip install 'evalrunner[mcp]'" in warning and "not checked further" in warning


def test_a_run_that_needs_the_missing_extra_stops_before_its_log(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    result = run_cli("run", MCP_SUITE, "--log-dir", str(logs), env=without(tmp_path, "mcp"))
    assert result.returncode == 2, result.stdout + result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{MCP_SUITE}:") and "warning" not in first
    assert "MCP tools need the mcp extra: pip install 'evalrunner[mcp]'" in first
    assert not logs.exists() or not list(logs.iterdir())
