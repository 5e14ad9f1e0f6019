"""Adaptive connection limits: a provider that refuses requests beyond its allowance makes
the live limit back off below it, then the limit grows back; the log keeps the figures."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evalrunner.model import GenerateConfig, get_model
from evalrunner.model._limit import DECREASE, ConnectionLimit
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server

KEY = "sk-limit-0123456789"


async def test_a_refusal_cuts_the_limit_and_successes_grow_it_back() -> None:
    limit = ConnectionLimit(10)
    async with limit.slot() as slot:
        slot.refused()
    assert limit.current == 1  # refused with nothing else in flight: the provider took none
    limit = ConnectionLimit(10)
    slots = [limit.slot() for _ in range(10)]
    for s in slots:
        await s.__aenter__()
    slots[0].refused()
    await slots[0].__aexit__(None, None, None)
    assert limit.current == int(10 * DECREASE) and limit.refusals == 1
    # Refusals of requests sent before that cut: no new multiplicative cut, but the limit
    # follows what the provider still holds (six in flight after four refusals).
    for s in slots[1:4]:
        s.sent_at = limit._last_cut - 1
        s.refused()
        await s.__aexit__(None, None, None)
    assert limit.current == 6 and limit.in_flight == 6
    for s in slots[4:]:
        await s.__aexit__(None, None, None)
    for _ in range(2_000):
        async with limit.slot():
            pass
    assert limit.current == 10  # back at the bound (slowly, after a cut), never above
    assert limit.lowest == 6 and limit.in_flight == 0


async def test_waiters_are_admitted_as_the_limit_allows_and_cancel_cleanly() -> None:
    limit = ConnectionLimit(2)
    gate = asyncio.Event()
    peak = 0

    async def one() -> None:
        nonlocal peak
        async with limit.slot():
            peak = max(peak, limit.in_flight)
            await gate.wait()

    tasks = [asyncio.create_task(one()) for _ in range(6)]
    await asyncio.sleep(0.01)
    assert limit.in_flight == 2
    tasks[-1].cancel()  # a waiter gives up: it must not hold a place
    await asyncio.sleep(0.01)
    gate.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert peak == 2 and limit.in_flight == 0


async def test_the_live_limit_settles_below_the_providers_allowance() -> None:
    allowance = 4
    with start_openai_server(api_key=KEY, latency=0.02, max_concurrent=allowance,
                             retry_after="0.05") as server:
        model = get_model("openai-api/t/m", base_url=server.url, api_key=KEY, memoize=False,
                          config=GenerateConfig(max_connections=10 * allowance))
        async with model:
            outputs = await asyncio.gather(*(model.generate(f"q{i}") for i in range(400)))
        assert [o.completion for o in outputs] == [f"q{i}" for i in range(400)]
        limit = model.stats.limit
        assert limit is not None and limit.maximum == 40
        # Cut from 40 to about the allowance, and held there.
        assert limit.lowest <= allowance
        refused = server.statuses[429]
        assert model.stats.rate_limits == refused > 0
        # Most requests were admitted: the limit stopped overshooting once it had learnt.
        assert refused < 0.25 * 400, refused
        assert server.peak_concurrency <= allowance


@pytest.mark.parametrize("allowance", [2])
def test_the_log_keeps_the_limits(tmp_path: Path, allowance: int) -> None:
    with start_openai_server(api_key=KEY, latency=0.02, max_concurrent=allowance,
                             retry_after="0.05") as server:
        data = write(tmp_path / "data.jsonl", "".join(
            json.dumps({"input": f"n{i}", "target": f"n{i}"}) + "\n" for i in range(60)))
        suite = write(tmp_path / "suite.yml", (
            "name: limits\nmodel: openai-api/t/m\ntasks:\n  - name: echo\n"
            f"    dataset: {{path: {data.name}}}\n    plan: [generate]\n    scorer: match\n"
        ))
        result = run_cli("run", str(suite), "--max-connections", "20", "--log-dir",
                         str(tmp_path / "logs"), "--display", "none",
                         env={"T_BASE_URL": server.url, "T_API_KEY": KEY})
        assert result.returncode == 0, result.stderr
    log = json.loads(next((tmp_path / "logs").rglob("*.json")).read_text())
    stats = log["stats"]["models"]["openai-api/t/m"]
    assert stats["max_connections"] == 20
    assert stats["lowest_connection_limit"] <= allowance < 20
    assert stats["rate_limits"] > 0
