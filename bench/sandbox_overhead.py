"""What sandboxes cost: container start per sample (docker) and time added per command (bwrap).

    python bench/sandbox_overhead.py [--samples 10] [--commands 50] [--image NAME]

Docker (needs a daemon, DOCKER_HOST as usual, and the image, default
evalrunner-agents:bookworm): the time to create a sample's container (`docker run -d`
with the default limits and no network) and to remove it, per sample, through the backend
exactly as a run does; and a `docker exec` of `true`. bwrap: the median time of `true`
run directly, run under bubblewrap with the backend's command line, and the difference
(the overhead per command), with and without cgroup limits. Medians; the machine's load
shows in them, so compare figures from the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def _timed(work: object) -> float:
    started = time.perf_counter()
    await work  # type: ignore[misc]
    return time.perf_counter() - started


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} ms"


async def docker_figures(samples: int, commands: int, image: str) -> None:
    from evalrunner.sandbox import SandboxError, backend_class, sandbox_spec

    spec = sandbox_spec({"type": "docker", "image": image})
    backend = backend_class("docker")(spec, Path(tempfile.gettempdir()))
    try:
        await backend.task_init()
    except SandboxError as ex:
        print(f"docker: skipped ({ex})")
        return
    starts, removals, execs = [], [], []
    for i in range(samples):
        started = time.perf_counter()
        envs = await backend.sample_init("bench", str(i))
        starts.append(time.perf_counter() - started)
        box = envs["default"]
        for _ in range(commands // samples or 1):
            execs.append(await _timed(box.exec(["true"])))
        removals.append(await _timed(backend.sample_cleanup(envs)))
    print(f"docker: container start per sample   {_ms(starts)}  (n={samples}, image {image})")
    print(f"docker: container removal per sample {_ms(removals)}")
    print(f"docker: start + removal per sample   "
          f"{_ms([a + b for a, b in zip(starts, removals, strict=True)])}")
    print(f"docker: `docker exec true`           {_ms(execs)}  (n={len(execs)})")


async def bwrap_figures(commands: int) -> None:
    from evalrunner.sandbox import backend_class, sandbox_spec
    from evalrunner.tools import subprocess

    if shutil.which("bwrap") is None:
        print("bwrap: skipped (bubblewrap is not installed)")
        return
    direct = [await _timed(subprocess(["true"])) for _ in range(commands)]
    print(f"bwrap: `true` run directly            {_ms(direct)}  (n={commands})")
    for label, spec in (("no limits", {"type": "bwrap"}),
                        ("memory+pids limits", {"type": "bwrap", "memory": "512m",
                                                "pids": 256})):
        backend = backend_class("bwrap")(sandbox_spec(spec), Path(tempfile.gettempdir()))
        await backend.task_init()
        envs = await backend.sample_init("bench", "1")
        try:
            box = envs["default"]
            inside = [await _timed(box.exec(["true"])) for _ in range(commands)]
        finally:
            await backend.sample_cleanup(envs)
        overhead = statistics.median(inside) - statistics.median(direct)
        print(f"bwrap: `true` in the sandbox ({label:18}) {_ms(inside)}  "
              f"overhead per command {overhead * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--commands", type=int, default=50)
    parser.add_argument("--image", default="evalrunner-agents:bookworm")
    args = parser.parse_args()
    asyncio.run(docker_figures(args.samples, args.commands, args.image))
    asyncio.run(bwrap_figures(args.commands))


if __name__ == "__main__":
    main()
