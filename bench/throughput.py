"""Throughput of `evalrunner run` against an OpenAI-compatible server with a fixed latency.

Starts the test server as its own process, writes a suite of N trivial samples
(`generate` then `match`) that points at it through `openai-api/bench/<model>`, runs the
CLI as a subprocess and prints what the CLI process cost:

- CPU ms per sample (user + sys of the CLI process, divided by N),
- wall time against the latency bound N * L / C,
- peak RSS.

    python bench/throughput.py -n 1000 -c 10 --latency 0.05

Run it from the repository root (it starts `python -m tests.servers.openai_server`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-key-0123456789"


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable, "-m", "tests.servers.openai_server",
        "--port", "0", "--latency", str(latency), "--api-key", API_KEY,
    ]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    if not url.startswith("http://"):
        server.kill()
        raise SystemExit(f"the test server did not start (printed {url!r})")
    return server, url


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
    suite: Path, log_dir: Path, url: str, connections: int, profile: str | None = None
) -> tuple[int, float, Any]:
    """Run the CLI; its exit code, wall time and resource usage (children only)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALRUNNER_")}
    env.update(BENCH_BASE_URL=url, BENCH_API_KEY=API_KEY)
    profiler = ["-m", "cProfile", "-o", str(Path(profile).resolve())] if profile else []
    command = [
        sys.executable, *profiler, "-m", "evalrunner", "run", str(suite),
        "--max-connections", str(connections), "--display", "none",
        "--log-dir", str(log_dir),
    ]
    # The server is still running (not reaped), so RUSAGE_CHILDREN only gains the CLI.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(command, cwd=suite.parent, env=env).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return code, wall, (cpu, after.ru_maxrss)


def summarize_log(log_dir: Path) -> str:
    logs = sorted(log_dir.rglob("*.json"))
    if not logs:
        return "no log written"
    data: dict[str, Any] = json.loads(logs[-1].read_text(encoding="utf-8"))
    results: dict[str, Any] = data.get("results") or {}
    scores: list[dict[str, Any]] = results.get("scores") or [{}]
    metrics: dict[str, Any] = scores[0].get("metrics") or {}
    accuracy = (metrics.get("accuracy") or {}).get("value")
    return (
        f"status={data.get('status')} completed={results.get('completed_samples')} "
        f"errors={results.get('error_samples')} accuracy={accuracy}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="samples")
    parser.add_argument("-c", type=int, default=10, help="max connections")
    parser.add_argument("--latency", type=float, default=0.05, help="server seconds per reply")
    parser.add_argument("--model", default="bench-model")
    parser.add_argument("--profile", help="write a cProfile of the CLI process to this file")
    args = parser.parse_args()

    server, url = start_server(args.latency)
    try:
        with tempfile.TemporaryDirectory(prefix="evalrunner-bench-") as tmp:
            folder = Path(tmp)
            suite = write_suite(folder, args.n, args.model)
            logs = folder / "logs"
            code, wall, (cpu, max_rss_kb) = run_cli(suite, logs, url, args.c, args.profile)
            summary = summarize_log(folder / "logs")
    finally:
        server.terminate()
        server.wait(timeout=10)

    bound = args.n * args.latency / args.c
    print(f"samples={args.n} connections={args.c} latency={args.latency * 1000:.0f}ms exit={code}")
    print(f"log: {summary}")
    print(f"CPU per sample: {cpu / args.n * 1000:.2f} ms (CLI process user+sys {cpu:.2f} s)")
    print(f"wall: {wall:.2f} s vs latency bound {bound:.2f} s ({wall / bound:.2f}x)")
    print(f"peak RSS: {max_rss_kb / 1024:.1f} MiB")
    sys.exit(code)


if __name__ == "__main__":
    main()
