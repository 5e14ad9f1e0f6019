"""One pipeline: a task is built once per run (its templates and dataset read once), and
the parts the preflight built are the ones the run uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

# Runs the CLI in a child process that counts, in every thread, calls of the functions
# that build a task and open a dataset, and the opens of the template and dataset files.
_COUNTING = """
import json, os, sys, threading
from evalrunner.dataset import _read
from evalrunner.runner import _build
from evalrunner.solvers.builtin import _vars
import evalrunner.template as template

watched = {
    _build.build_task.__code__: "build_task",
    _read.open_source.__code__: "open_source",
    _vars.load_template.__code__: "load_template",
    template.resolve_template.__code__: "resolve_template",
}
counts = {name: 0 for name in watched.values()}
counts.update(template_file=0, dataset_file=0)
loaded = {}  # load_template's calls by the template they name

def profile(frame, event, arg):
    if event == "call" and frame.f_code in watched:
        name = watched[frame.f_code]
        counts[name] += 1
        if name == "load_template":
            args = frame.f_locals
            key = str(args["value"] if args["value"] is not None else args["default"])
            loaded[key] = loaded.get(key, 0) + 1

def audit(event, args):
    if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        name = os.fsdecode(args[0])
        if name.endswith("devops.txt"):
            counts["template_file"] += 1
        elif name.endswith("security_guide.jsonl"):
            counts["dataset_file"] += 1

def report():
    with open(os.environ["COUNTS_FILE"], "w") as out:
        json.dump({**counts, "loaded": loaded}, out)

import atexit
atexit.register(report)
sys.addaudithook(audit)
threading.setprofile(profile)
sys.setprofile(profile)
from evalrunner.cli import main
main(prog_name="evalrunner")
"""


def _counted(tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    script = tmp_path / "counting.py"
    script.write_text(_COUNTING, encoding="utf-8")
    counts = tmp_path / "counts.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVALRUNNER_", "OPENAI_"))}
    env.update(COUNTS_FILE=str(counts), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, str(script), *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert counts.is_file(), result.stderr
    return json.loads(counts.read_text()), result.stderr


def test_security_suite_is_built_once_per_run(tmp_path: Path) -> None:
    counts, stderr = _counted(
        tmp_path, "run", "suites/security.yml", "-T", "system=devops.txt",
        "--model", "mockllm/model", "--log-dir", str(tmp_path / "logs"), "--display", "none",
    )
    logs = list((tmp_path / "logs").glob("*.json"))
    assert logs, stderr  # the run did run, on every sample of the dataset it checked
    log = json.loads(logs[0].read_text(encoding="utf-8"))
    assert log["status"] == "success" and len(log["samples"]) == 16, stderr
    assert log["eval"]["dataset"]["samples"] == 16 and log["eval"]["dataset"]["hash"]
    _assert_built_once(counts)


def test_validate_builds_what_a_run_builds(tmp_path: Path) -> None:
    counts, stderr = _counted(tmp_path, "validate", "suites/security.yml",
                              "-T", "system=devops.txt")
    assert "error" not in stderr.lower(), stderr
    _assert_built_once(counts)


def _assert_built_once(counts: dict[str, Any]) -> None:
    assert counts["build_task"] == 1, counts
    assert counts["open_source"] == 1, counts  # the preflight's dataset is the run's
    # The check, the hash, the count and the samples all come from one read of the file.
    assert counts["dataset_file"] == 1, counts
    assert counts["template_file"] == 1, counts  # devops.txt read once
    # Two templates (system_message's devops.txt, the grader's built-in), each loaded once.
    assert counts["loaded"] == {"devops.txt": 1, "model_graded_fact.j2": 1}, counts
    assert counts["resolve_template"] <= 2, counts


def test_the_package_keeps_its_state_in_at_most_four_context_variables() -> None:
    """The task's and the sample's context objects hold what 23 ContextVars held."""
    import re

    defined = {
        f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}"
        for path in (ROOT / "evalrunner").rglob("*.py")
        for text in [path.read_text(encoding="utf-8")]
        for m in re.finditer(r"\bContextVar\(", text)
    }
    assert len(defined) <= 4, sorted(defined)
    assert all(where.startswith("evalrunner/_util/context.py:") for where in defined), defined
