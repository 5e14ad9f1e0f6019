"""How long the first Ctrl-C takes to stop a run: seconds from SIGINT to the process's exit.

Two runs, each interrupted N times once it is under way (the issue asks for under 2 s):

- `agent`: a react loop on a mockllm that never submits (one sample finished first),
- `generate`: 40 samples waiting on a model server that answers after 30 s.

Each stop must also be clean: exit 1, log `cancelled`, no traceback. Prints every time,
the median and the maximum, with the load average beside them.

    python bench/interrupt.py          # 5 of each
    python bench/interrupt.py -n 10 --only agent
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evalrunner.log import read_eval_log  # noqa: E402
from tests.servers.openai_server import ServerHandle, start_openai_server  # noqa: E402

AGENT_SUITE = """
model: mockllm/model
model_args:
  outputs:
    quick: [{function: submit, arguments: {answer: "5"}}]
    "*": [Still thinking.]
  when_done: repeat_last
tasks:
  - name: loop
    dataset:
      samples:
        - {id: quick, input: "What is 2 + 3?", target: "5"}
        - {id: slow, input: "What is 4 + 4?", target: "8"}
    plan: [react]
    limits: {turns: 100000000}
    scorer: includes
"""

GENERATE_SUITE = """
model: openai-api/test/small
tasks:
  - name: sums
    dataset:
      samples:
""" + "".join(f"        - {{input: 'What is {i} + {i}?', target: '{2 * i}'}}\n"
              for i in range(40)) + """
    plan: [generate]
    scorer: includes
"""


def _start(folder: Path, suite: str, env: dict[str, str]) -> subprocess.Popen[str]:
    path = folder / "suite.yml"
    path.write_text(suite)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EVALRUNNER_", "OPENAI_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(path), "--log-dir", str(folder / "logs"),
         "--display", "plain", "--max-connections", "8"],
        cwd=ROOT, env={**clean, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop_time(proc: subprocess.Popen[str], ready: Callable[[], bool], folder: Path) -> float:
    """SIGINT once `ready()` holds (and half a second more); seconds until the exit."""
    try:
        deadline = time.monotonic() + 120
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the run did not get going: {proc.communicate()[1]}")
            time.sleep(0.02)
        time.sleep(0.5)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.communicate()[1]
    logs = list((folder / "logs").glob("*.json"))
    clean = (proc.returncode == 1 and "Traceback" not in err and len(logs) == 1
             and read_eval_log(logs[0], header_only=True).status == "cancelled")
    if not clean:
        raise SystemExit(f"not a clean stop (exit {proc.returncode}):\n{err}")
    return took


def _agent(folder: Path, _server: ServerHandle) -> float:
    proc = _start(folder, AGENT_SUITE, {})

    def one_done() -> bool:
        return any(len(f.read_text().splitlines()) >= 2 for f in (folder / "logs").glob("*.json"))

    return _stop_time(proc, one_done, folder)


def _generate(folder: Path, server: ServerHandle) -> float:
    server.requests.clear()
    proc = _start(folder, GENERATE_SUITE,
                  {"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"})
    return _stop_time(proc, lambda: len(server.requests) >= 8, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--only", choices=["agent", "generate"])
    options = parser.parse_args()
    cases = {"agent": _agent, "generate": _generate}
    with start_openai_server(responder=lambda body: "I do not know.", latency=30) as server:
        for name, case in cases.items():
            if options.only not in (None, name):
                continue
            times = []
            for _ in range(options.runs):
                with tempfile.TemporaryDirectory(prefix="evalrunner-bench-") as folder:
                    times.append(case(Path(folder), server))
            print(f"{name:9} stop after Ctrl-C, s: {' '.join(f'{t:.2f}' for t in times)}  "
                  f"median {statistics.median(times):.2f}  max {max(times):.2f}  "
                  f"(load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
