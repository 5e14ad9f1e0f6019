"""How long loading a suite takes: YAML, schema, interpolation, compile (no model).

    python bench/suite_load.py [SUITE...]

Prints milliseconds per load of each suite (the median of repeated loads, after a first
load that pays for imports and caches), and the time of `evalrunner validate` on all of
`suites/` as a subprocess (what an editor hook or a CI step would pay).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ["suites/examples/basics.yml", "suites/guide/theory_of_mind.yml", "suites/guide/arc.yml"]


def per_load_ms(path: Path, repeats: int = 30) -> float:
    from evalrunner.suite import load_suite

    load_suite(path)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        load_suite(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    suites = [Path(p) for p in sys.argv[1:]] or [ROOT / p for p in DEFAULT]
    for path in suites:
        print(f"{path.name}: {per_load_ms(path):.2f} ms per load")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "evalrunner", "validate", "suites/"],
        cwd=ROOT, capture_output=True, text=True,
    )
    took = time.perf_counter() - started
    print(f"evalrunner validate suites/: {took:.2f} s ({result.stdout.strip()})")


if __name__ == "__main__":
    main()
