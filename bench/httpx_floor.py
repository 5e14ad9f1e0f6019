"""The floor under `bench/throughput.py`: CPU per request of a bare httpx client.

Sends N chat-completion requests to the same local test server, at C at once, through
an `httpx.AsyncClient` and nothing else (no evalrunner code), then the same through
evalrunner's `Model.generate`. The difference between the two, and between the latter
and `throughput.py`'s CPU per sample, says where a sample's CPU goes: the HTTP client,
the model layer, or the executor (plan, scoring, log).

    python bench/httpx_floor.py -n 3000 -c 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import API_KEY, start_server


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(n: int, c: int, one: Callable[[int], Awaitable[None]]) -> float:
    """CPU milliseconds per call of `one`, run n times with at most c at once."""
    gate = asyncio.Semaphore(c)

    async def gated(i: int) -> None:
        async with gate:
            await one(i)

    await one(-1)  # connect and warm up outside the measurement
    start = cpu_seconds()
    await asyncio.gather(*(gated(i) for i in range(n)))
    return (cpu_seconds() - start) / n * 1000


async def bare_httpx(url: str, n: int, c: int) -> float:
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=max(c, 10))
    async with httpx.AsyncClient(base_url=url.rstrip("/") + "/", headers=headers,
                                 limits=limits) as client:

        async def one(i: int) -> None:
            body = {"model": "m", "messages": [{"role": "user", "content": f"Repeat {i}"}]}
            response = await client.post("chat/completions", content=json.dumps(body).encode())
            json.loads(response.content)

        return await measure(n, c, one)


async def model_generate(url: str, n: int, c: int) -> float:
    from evalrunner.model import GenerateConfig, get_model

    os.environ.update(BENCH_BASE_URL=url, BENCH_API_KEY=API_KEY)
    async with get_model("openai-api/bench/m", config=GenerateConfig(max_connections=c)) as model:

        async def one(i: int) -> None:
            await model.generate(f"Repeat {i}")

        return await measure(n, c, one)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=3000, help="requests")
    parser.add_argument("-c", type=int, default=10, help="requests at once")
    parser.add_argument("--latency", type=float, default=0.05, help="server seconds per reply")
    args = parser.parse_args()
    server, url = start_server(args.latency)
    try:
        bare = asyncio.run(bare_httpx(url, args.n, args.c))
        model = asyncio.run(model_generate(url, args.n, args.c))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"requests={args.n} at once={args.c} latency={args.latency * 1000:.0f}ms")
    print(f"bare httpx.AsyncClient: {bare:.2f} ms CPU per request")
    print(f"evalrunner Model.generate: {model:.2f} ms CPU per request")


if __name__ == "__main__":
    main()
