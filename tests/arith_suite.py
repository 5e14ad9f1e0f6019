"""A small arithmetic suite and model answers for the log, retry, shard and gate tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import ROOT, write


def question(i: int) -> str:
    return f"What is {i} + {i}?"


def make_suite(
    folder: Path, n: int = 10, extra: str = "", name: str = "arith", task: str = "sums",
    system: str = "Answer with a number.",
) -> Path:
    """A suite of `n` questions 'What is i + i?' scored by a numeric match."""
    rows = "\n".join(
        f'{{"id": {i}, "input": "{question(i)}", "target": "{2 * i}"}}' for i in range(1, n + 1)
    )
    write(folder / f"{name}.jsonl", rows + "\n")
    return write(
        folder / f"{name}.yml",
        f"name: {name}\n"
        "model: openai-api/test/small\n"
        "tasks:\n"
        f"  - name: {task}\n"
        f"    dataset: {{path: {name}.jsonl}}\n"
        "    plan:\n"
        f"      - system_message: {system}\n"
        "      - generate\n"
        "    scorer: {match: {numeric: true, location: any}}\n"
        "    metrics: [accuracy, stderr]\n" + extra,
    )


def asked(body: dict[str, Any]) -> int | None:
    """The i of 'What is i + i?' in a request, or None."""
    match = re.search(r"What is (\d+) \+ \1\?", str(body["messages"][-1]["content"]))
    return int(match[1]) if match else None


def answer_wrong_on(wrong: Collection[int] = ()) -> Callable[[dict[str, Any]], str]:
    """A responder that answers correctly except for the questions in `wrong`."""

    def respond(body: dict[str, Any]) -> str:
        i = asked(body)
        if i is None:
            return "I do not know."
        return f"The answer is {2 * i + (1 if i in wrong else 0)}."

    return respond


def server_env(url: str) -> dict[str, str]:
    return {"TEST_BASE_URL": url, "TEST_API_KEY": "test-key"}


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("EVALRUNNER_", "OPENAI_"))}


def start_run(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """`evalrunner run ARGS` as a background process (to be killed or interrupted)."""
    return subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", *args],
        cwd=ROOT, env={**clean_env(), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def stop_after(
    proc: subprocess.Popen[str], log_dir: Path, samples: int, sig: signal.Signals
) -> None:
    """Send `sig` once the run's log holds at least `samples` finished sample lines."""
    deadline = time.monotonic() + 60
    while sample_lines(log_dir) < samples:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run did not write samples in time"
        time.sleep(0.02)
    proc.send_signal(sig)
    proc.communicate(timeout=60)


def sample_lines(log_dir: Path) -> int:
    files = list(log_dir.glob("*.json"))
    if not files:
        return 0
    lines = files[0].read_text(encoding="utf-8").splitlines()[1:]
    return sum(1 for line in lines if line.strip() and not line.startswith("],"))


def logs_in(log_dir: Path) -> list[EvalLog]:
    """Every log of a folder, oldest first."""
    logs = [read_eval_log(p) for p in log_dir.glob("*.json")]
    return sorted(logs, key=lambda log: (log.eval.created, len(log.eval.retry_of or [])))
