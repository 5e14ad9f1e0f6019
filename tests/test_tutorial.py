"""docs/tutorial.md as a reader follows it: its files written and every command of its
`bash` blocks run in order, as subprocesses in one empty folder, on the local model."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from evalrunner.log import read_eval_log
from tests.conftest import ROOT, write
from tests.extras import LOCAL, needs_extra

pytestmark = needs_extra("local", *LOCAL)

PAGE = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.M | re.S)


def steps() -> list[tuple[str, str]]:
    """("file NAME", text) for a block marked `file=NAME`, ("run", line) per command."""
    found: list[tuple[str, str]] = []
    for lang, info, body in BLOCK.findall(PAGE.read_text()):
        name = re.search(r"file=(\S+)", info)
        if name:
            found.append((f"file {name[1]}", body))
        elif lang == "bash":
            found.extend(("run", line) for line in body.splitlines() if line.strip())
    return found


def shell(folder: Path) -> dict[str, str]:
    """The environment of a reader who activated the venv: `evalrunner` on the PATH."""
    bin_dir = write(folder / "bin" / "evalrunner",
                    f'#!/bin/sh\nexec "{sys.executable}" -m evalrunner "$@"\n').parent
    (bin_dir / "evalrunner").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALRUNNER_")}
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def view(command: str, cwd: Path, env: dict[str, str]) -> None:
    """Start the viewer as written, read its address, fetch the runs, stop it."""
    proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        if "cannot listen" in first:  # 7575 taken on a shared machine: any free port
            proc.wait()
            return view(f"{command} --port 0", cwd, env)
        url = re.search(r"http://\S+", first)
        assert url, first
        with urllib.request.urlopen(f"{url[0].rstrip('/')}/api/logs", timeout=30) as reply:
            listed = json.load(reply)
        assert "capitals" in json.dumps(listed)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_every_command_of_the_tutorial_works(tmp_path: Path) -> None:
    env = shell(tmp_path / "shell")
    work = tmp_path / "evals"
    work.mkdir()
    ran = []
    for kind, text in steps():
        if kind.startswith("file "):
            write(work / kind.removeprefix("file "), text)
        elif text.startswith("evalrunner view"):
            view(text, work, env)
            ran.append(text)
        else:
            result = subprocess.run(["bash", "-c", text], cwd=work, env=env, text=True,
                                    capture_output=True, timeout=600)
            ran.append(text)
            gate = "--fail-under" in text
            assert result.returncode in ((0, 1) if gate else (0,)), (
                f"{text}\n{result.stdout}\n{result.stderr}")
            assert "Traceback" not in result.stderr
            if gate:
                check_gate(work / "logs" / "ci", work / "results.xml", result.returncode)
    assert len(ran) == 7, ran  # validate, run, view, two runs, diff, the gate
    terse, teacher = (read_eval_log(next((work / "logs" / d).glob("*.json")))
                      for d in ("terse", "teacher"))
    assert terse.status == teacher.status == "success"
    assert teacher.eval.params["system"].startswith("You are a geography teacher")
    assert terse.eval.params["system"] == "Answer with the name of the city only."


def check_gate(logs: Path, junit: Path, code: int) -> None:
    """Exit 1 exactly when accuracy is below the tutorial's 0.6, and a JUnit report."""
    log = read_eval_log(next(logs.glob("*.json")))
    assert log.results is not None
    accuracy = next(m.value for s in log.results.scores for m in s.metrics.values()
                    if m.name == "accuracy")
    assert code == (0 if accuracy >= 0.6 else 1), accuracy
    assert "<testsuite" in junit.read_text()
