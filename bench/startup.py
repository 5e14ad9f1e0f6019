"""The CLI's start-up cost: CPU and wall time of `python -m evalrunner ARGS`, and where
its imports spend it.

Every CLI test and every CI job pays this once per command, so it is measured in CPU
seconds (user + system of the child, which a busy machine inflates less than wall time):
the minimum and the median of N runs. Then one run under `-X importtime` gives the
import time by top-level package (evalrunner's own by subpackage), largest first.

    python bench/startup.py                       # validate suites/examples/hello.yml
    python bench/startup.py -n 10 -- --version
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ["validate", "suites/examples/hello.yml"]


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _one_run(command: list[str]) -> tuple[float, float]:
    """CPU seconds and wall seconds of one run."""
    cpu, wall = _child_cpu(), time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return _child_cpu() - cpu, time.monotonic() - wall


def _import_times(command: list[str]) -> tuple[float, collections.Counter[str], int]:
    """Total import time (s), self time by package, and the number of modules imported."""
    found = subprocess.run([command[0], "-X", "importtime", *command[1:]], cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
    by_package: collections.Counter[str] = collections.Counter()
    modules = 0
    for line in found.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        parts = name.strip().split(".")
        by_package[".".join(parts[:2] if parts[0] == "evalrunner" else parts[:1])] += int(self_us)
        modules += 1
    return sum(by_package.values()) / 1e6, by_package, modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=15, help="packages to list")
    parser.add_argument("args", nargs="*", help="the CLI's arguments (after --)")
    options = parser.parse_args()
    command = [sys.executable, "-m", "evalrunner", *(options.args or DEFAULT)]
    # The checkout's code, whatever is installed; compiled once first, as pip does.
    os.environ["PYTHONPATH"] = str(ROOT)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    _one_run(command)
    runs = [_one_run(command) for _ in range(options.runs)]
    cpu = [c for c, _ in runs]
    wall = [w for _, w in runs]
    print(f"command: evalrunner {' '.join(command[3:])}  ({options.runs} runs, "
          f"load average {os.getloadavg()[0]:.2f})")
    print(f"CPU  s: min {min(cpu):.2f}  median {statistics.median(cpu):.2f}")
    print(f"wall s: min {min(wall):.2f}  median {statistics.median(wall):.2f}")
    total, by_package, modules = _import_times(command)
    print(f"imports: {modules} modules, {total:.2f} s (one run under -X importtime)")
    for name, micros in by_package.most_common(options.top):
        print(f"  {micros / 1e3:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
