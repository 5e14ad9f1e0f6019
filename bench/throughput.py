"""Throughput of `evalrunner run` against an OpenAI-compatible server with a fixed latency.

Starts the test server as its own process, writes a suite of N trivial samples
(`generate` then `match`) that points at it through `openai-api/bench/<model>`, runs the
CLI of this checkout as a subprocess and prints what the CLI process cost:

- CPU ms per sample (user + sys of the CLI process, start-up included, divided by N),
- wall time against the latency bound N * L / C, and their ratio,
- peak RSS, the requests the server saw (by status), and whether every sample was scored.

One cell:

    python bench/throughput.py -n 10000 -c 100 --latency 0.05

A provider that allows K requests at once and answers 429 beyond (the live connection
limit must settle below K; the rate after the first 30 s is compared with K / L):

    python bench/throughput.py -n 30000 -c 200 --allowance 20

A provider that refuses a share of requests at random, whatever the load (the limit must
not fall for it: the wall stays within 1.3x of the run without refusals):

    python bench/throughput.py -n 2000 -c 100 --latency 0.2 --random-429 0 0.01 0.03

The matrix of docs/performance.md (N x connections, then the rate-limited cell):

    python bench/throughput.py --matrix

Run it from the repository root (it starts `python -m tests.servers.openai_server`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-key-0123456789"
MATRIX_N = (2_000, 10_000, 100_000)
MATRIX_C = (10, 100, 500, 1_000)
# The rate-limited cell: allowance K, max_connections 10 K, long enough to settle.
RATE_LIMIT_K = 20
RATE_LIMIT_N = 30_000
SETTLE_SECONDS = 30


@dataclass
class Cell:
    n: int
    connections: int
    latency: float
    allowance: int = 0  # the server's concurrency allowance (0: none)
    random_429: float = 0.0  # the share of requests the server refuses at random


@dataclass
class Result:
    cell: Cell
    exit_code: int
    cpu: float
    wall: float
    peak_rss_mib: float
    completed: int
    all_scored: bool
    live_limit: str  # the connection limit at the end (its lowest)
    server: dict[str, Any]
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average, start and end

    @property
    def bound(self) -> float:
        c = min(self.cell.connections, self.cell.allowance or self.cell.connections)
        return self.cell.n * self.cell.latency / c

    def requests(self, status: str | None = None) -> int:
        statuses: dict[str, int] = self.server.get("statuses", {})
        return statuses.get(status, 0) if status else sum(statuses.values())

    def settled_rate(self) -> float | None:
        """Successful requests per second after the first SETTLE_SECONDS (whole seconds)."""
        per_second: list[int] = self.server.get("per_second", [])[SETTLE_SECONDS:-1]
        return sum(per_second) / len(per_second) if per_second else None


def start_server(
    latency: float, allowance: int = 0, retry_after: str | None = None, random_429: float = 0.0
) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable, "-m", "tests.servers.openai_server",
        "--port", "0", "--latency", str(latency), "--api-key", API_KEY,
        *(["--max-concurrent", str(allowance)] if allowance else []),
        *(["--random-429", str(random_429)] if random_429 else []),
        *(["--retry-after", retry_after] if retry_after else []),
    ]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    if not url.startswith("http://"):
        server.kill()
        raise SystemExit(f"the test server did not start (printed {url!r})")
    return server, url


def stop_server(server: subprocess.Popen[str]) -> dict[str, Any]:
    """Stop the server; what it served (its last line of output)."""
    server.terminate()
    out, _ = server.communicate(timeout=30)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def write_suite(folder: Path, n: int, model: str) -> Path:
    """N samples whose echoed input ends with the target, so `match` scores them correct."""
    with (folder / "samples.jsonl").open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({"input": f"Repeat this number: {i}", "target": str(i)}) + "\n")
    suite = folder / "bench.yaml"
    suite.write_text(
        "name: bench\n"
        f"model: openai-api/bench/{model}\n"
        "tasks:\n"
        "  - name: throughput\n"
        "    dataset: {path: samples.jsonl}\n"
        "    plan: [generate]\n"
        "    scorer: match\n",
        encoding="utf-8",
    )
    return suite


def run_cli(
    suite: Path, log_dir: Path, url: str, connections: int, profile: str | None = None,
    log_format: str = "json",
) -> tuple[int, float, float, int]:
    """Run this checkout's CLI: exit code, wall, CPU seconds and peak RSS (KiB) of it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALRUNNER_")}
    env.update(BENCH_BASE_URL=url, BENCH_API_KEY=API_KEY, PYTHONPATH=str(ROOT))
    profiler = ["-m", "cProfile", "-o", str(Path(profile).resolve())] if profile else []
    command = [
        sys.executable, *profiler, "-m", "evalrunner", "run", str(suite),
        "--max-connections", str(connections), "--display", "none",
        "--log-dir", str(log_dir), "--log-format", log_format,
    ]
    # wait4 gives this child's own usage (RUSAGE_CHILDREN's peak RSS is the largest child
    # so far, so a matrix would report its biggest cell for every later one).
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=suite.parent, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return process.returncode, wall, cpu, usage.ru_maxrss


def log_results(log_dir: Path) -> tuple[int, bool, str]:
    """(completed samples, every sample scored correct, the live connection limit at the
    end and its lowest) from the log's header."""
    logs = sorted([*log_dir.rglob("*.json"), *log_dir.rglob("*.eval")])
    if not logs:
        return 0, False, "-"
    data: dict[str, Any]
    if logs[-1].suffix == ".eval":  # Inspect's format: this checkout's reader
        sys.path.insert(0, str(ROOT))
        from evalrunner.log import read_eval_log

        data = read_eval_log(str(logs[-1]), header_only=True).model_dump(mode="json")
    else:
        with logs[-1].open("rb") as f:
            data = json.loads(f.read())
    results: dict[str, Any] = data.get("results") or {}
    scores: list[dict[str, Any]] = results.get("scores") or [{}]
    metrics: dict[str, Any] = scores[0].get("metrics") or {}
    accuracy = (metrics.get("accuracy") or {}).get("value")
    completed = int(results.get("completed_samples") or 0)
    models: dict[str, Any] = (data.get("stats") or {}).get("models") or {}
    limits = next(iter(models.values()), {})
    live = f"{limits.get('connection_limit', '-')} ({limits.get('lowest_connection_limit', '-')})"
    return completed, data.get("status") == "success" and accuracy == 1.0, live


def measure(cell: Cell, profile: str | None = None, model: str = "bench-model",
            log_format: str = "json") -> Result:
    load = os.getloadavg()[0]  # a busy machine stretches every wall: said beside each row
    server, url = start_server(cell.latency, cell.allowance, random_429=cell.random_429)
    try:
        with tempfile.TemporaryDirectory(prefix="evalrunner-bench-") as tmp:
            folder = Path(tmp)
            suite = write_suite(folder, cell.n, model)
            code, wall, cpu, rss_kib = run_cli(suite, folder / "logs", url,
                                               cell.connections, profile, log_format)
            completed, all_scored, live = log_results(folder / "logs")
    finally:
        served = stop_server(server)
    return Result(cell, code, cpu, wall, rss_kib / 1024, completed,
                  all_scored and completed == cell.n, live, served,
                  (load, os.getloadavg()[0]))


HEADER = (
    "| N | connections | allowance | random 429 | CPU ms/sample | wall s | bound s | ratio "
    "| peak RSS MiB | server requests | 429s (refused) | live limit (lowest) | settled req/s "
    "| all scored | load avg |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|"
)


def row(r: Result) -> str:
    c = r.cell
    settled = r.settled_rate() if c.allowance else None
    target = f"{settled:.0f} of {c.allowance / c.latency:.0f}" if settled is not None else "-"
    refused = r.requests("429") / max(1, r.requests())
    return (
        f"| {c.n:,} | {c.connections:,} | {c.allowance or '-'} "
        f"| {f'{c.random_429:.0%}' if c.random_429 else '-'} | {r.cpu / c.n * 1000:.2f} "
        f"| {r.wall:.1f} | {r.bound:.1f} | {r.wall / r.bound:.2f} | {r.peak_rss_mib:.0f} "
        f"| {r.requests():,} | {r.requests('429'):,} ({refused:.1%}) | {r.live_limit} "
        f"| {target} | {'yes' if r.all_scored else 'NO'} "
        f"| {r.load[0]:.1f} to {r.load[1]:.1f} |"
    )


def matrix_cells(latency: float) -> list[Cell]:
    cells = [Cell(n, c, latency) for n in MATRIX_N for c in MATRIX_C]
    return [*cells, Cell(RATE_LIMIT_N, 10 * RATE_LIMIT_K, latency, RATE_LIMIT_K)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="samples")
    parser.add_argument("-c", type=int, default=10, help="max connections")
    parser.add_argument("--latency", type=float, default=0.05, help="server seconds per reply")
    parser.add_argument("--allowance", type=int, default=0,
                        help="the server answers 429 beyond this many requests at once")
    parser.add_argument("--random-429", type=float, nargs="+", default=[0.0],
                        help="shares of requests the server refuses at random (one cell each)")
    parser.add_argument("--model", default="bench-model")
    parser.add_argument("--profile", help="write a cProfile of the CLI process to this file")
    parser.add_argument("--matrix", action="store_true", help="run the docs' matrix")
    parser.add_argument("--log-format", choices=["json", "eval"], default="json",
                        help="the run's log format")
    args = parser.parse_args()

    cells = matrix_cells(args.latency) if args.matrix else [
        Cell(args.n, args.c, args.latency, args.allowance, share) for share in args.random_429
    ]
    print(HEADER, flush=True)
    failed = False
    walls: dict[float, float] = {}
    for cell in cells:
        result = measure(cell, args.profile, args.model, args.log_format)
        print(row(result), flush=True)
        walls[cell.random_429] = result.wall
        failed |= result.exit_code != 0 or not result.all_scored
    if 0.0 in walls and len(walls) > 1:
        # Random refusals are retried, not taken for load: the wall barely moves.
        for share, wall in walls.items():
            if share:
                print(f"random 429 at {share:.0%}: wall {wall / walls[0.0]:.2f}x the run "
                      "without refusals", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
