"""The same suite on one process, on every local core through Ray, and on a two-node cluster.

Prints the wall time and the CPU seconds of each run. The model is the test OpenAI server
(run in this process, so its CPU is not counted) answering after a fixed latency; the CPU
is that of every process the run starts (the CLI, Ray's daemons and workers), sampled from
/proc while the run lasts.

    python bench/scale_out.py [--tasks 3] [--samples 1000] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers.openai_server import start_openai_server  # noqa: E402

_TICK = os.sysconf("SC_CLK_TCK")


def write_suite(folder: Path, tasks: int, samples: int) -> Path:
    lines = ["name: scale\nmodel: openai-api/bench/model\ntasks:\n"]
    for t in range(tasks):
        data = folder / f"task{t}.jsonl"
        data.write_text("".join(
            f'{{"id": {i}, "input": "What is {i} + {t}?", "target": "{i + t}"}}\n'
            for i in range(samples)))
        lines.append(
            f"  - name: task{t}\n    dataset: {{path: {data.name}}}\n    plan: [generate]\n"
            "    scorer: {match: {numeric: true, location: any}}\n")
    suite = folder / "scale.yml"
    suite.write_text("".join(lines))
    return suite


class CpuMeter:
    """CPU seconds of this process's descendants (not of itself), sampled from /proc."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.base = self._tree()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _tree(self) -> dict[int, float]:
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK
        mine, me = {}, os.getpid()
        for pid in cpu:
            p, hops = pid, 0
            while p in parents and p != me and hops < 50:
                p, hops = parents[p], hops + 1
            if p == me and pid != me:
                mine[pid] = cpu[pid]
        return mine

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for pid, value in self._tree().items():
                self.seen[pid] = max(value, self.seen.get(pid, 0.0))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        for pid, value in self._tree().items():
            self.seen[pid] = max(value, self.seen.get(pid, 0.0))
        return sum(v - self.base.get(p, 0.0) for p, v in self.seen.items())


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    meter = CpuMeter()
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "evalrunner", "run", *args],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu = meter.stop()
    if result.returncode != 0:
        raise SystemExit(f"run failed:\n{result.stderr[-3000:]}")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--samples", type=int, default=1000, help="samples per task")
    parser.add_argument("--latency", type=float, default=0.02, help="model latency, seconds")
    parser.add_argument("--connections", type=int, default=32)
    opts = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="scale-out-"))
    suite = write_suite(folder, opts.tasks, opts.samples)
    total = opts.tasks * opts.samples
    with start_openai_server(latency=opts.latency, responder=lambda b: "ANSWER: 1") as server:
        env = {**os.environ, "BENCH_BASE_URL": server.url, "BENCH_API_KEY": "test-key",
               "PYTHONPATH": str(ROOT)}
        env.pop("RAY_ADDRESS", None)
        common = [str(suite), "--display", "none", "--max-connections", str(opts.connections),
                  "--max-tasks", str(opts.tasks)]
        print(f"{opts.tasks} tasks x {opts.samples} samples, model latency {opts.latency}s, "
              f"{opts.connections} connections, {os.cpu_count()} cores")
        rows = [("one process", timed([*common, "--log-dir", str(folder / "one")], env))]
        rows.append(("Ray, local cores", timed(
            [*common, "--executor", "ray", "--log-dir", str(folder / "local")], env)))
        from ray.cluster_utils import Cluster

        node = {"num_cpus": 1, "object_store_memory": 80 * 1024**2}
        cluster = Cluster(initialize_head=True, connect=False,
                          head_node_args={**node, "include_dashboard": False})
        try:
            cluster.add_node(**node)
            cluster.wait_for_nodes()
            meter_env = {**env, "RAY_ADDRESS": str(cluster.address)}
            rows.append(("Ray, two-node cluster", timed(
                [*common, "--executor", "ray", "--log-dir", str(folder / "two")], meter_env)))
        finally:
            cluster.shutdown()
    print(f"{'run':<24}{'wall s':>8}{'CPU s':>8}{'samples/s':>11}")
    for name, (wall, cpu) in rows:
        print(f"{name:<24}{wall:>8.1f}{cpu:>8.1f}{total / wall:>11.0f}")
    print("(the two-node run's CPU leaves out the cluster's start, made before the run)")


if __name__ == "__main__":
    main()
