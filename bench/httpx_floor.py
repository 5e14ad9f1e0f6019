"""The floor under `bench/throughput.py`: CPU per request of each layer under a sample.

Sends N chat-completion requests to the same local test server, at C at once, through a
bare aiohttp session (the transport alone), through the package's HTTP client
(`http_client()`: httpx's API over that transport), then through evalrunner's
`Model.generate`. The differences between them, and between the last and
`throughput.py`'s CPU per sample, say where a sample's CPU goes: the transport, httpx's
layer, the model layer, or the executor (plan, scoring, log).

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
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


HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


async def bare_aiohttp(url: str, n: int, c: int) -> float:
    import aiohttp

    endpoint = url.rstrip("/") + "/chat/completions"
    async with aiohttp.ClientSession(headers=HEADERS) as session:

        async def one(i: int) -> None:
            body = {"model": "m", "messages": [{"role": "user", "content": f"Repeat {i}"}]}
            async with session.post(endpoint, data=json.dumps(body).encode()) as response:
                json.loads(await response.read())

        return await measure(n, c, one)


async def package_client(url: str, n: int, c: int) -> float:
    from evalrunner._util.http import http_client

    async with http_client(base_url=url.rstrip("/") + "/", headers=HEADERS) as client:

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
        bare = asyncio.run(bare_aiohttp(url, args.n, args.c))
        client = asyncio.run(package_client(url, args.n, args.c))
        model = asyncio.run(model_generate(url, args.n, args.c))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"requests={args.n} at once={args.c} latency={args.latency * 1000:.0f}ms")
    print(f"bare aiohttp.ClientSession: {bare:.2f} ms CPU per request")
    print(f"the package's http_client(): {client:.2f} ms CPU per request")
    print(f"evalrunner Model.generate: {model:.2f} ms CPU per request")


if __name__ == "__main__":
    main()
