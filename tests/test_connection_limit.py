"""Adaptive connection limits: a provider that refuses requests beyond its allowance makes
the live limit back off below it, then the limit grows back; the log keeps the figures."""

from __future__ import annotations

import asyncio
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from evalrunner.model import GenerateConfig, get_model
from evalrunner.model._limit import CAUTION_SECONDS, DECREASE, ConnectionLimit, _Slot
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server

KEY = "sk-limit-0123456789"


class Clock:
    """A clock the test moves: recovery is measured in seconds without waiting for them."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def hold(limit: ConnectionLimit, n: int) -> list[_Slot]:
    slots = [limit.slot() for _ in range(n)]
    for s in slots:
        await s.__aenter__()
    return slots


async def test_a_signalled_refusal_cuts_the_limit_and_successes_grow_it_back() -> None:
    clock = Clock()
    limit = ConnectionLimit(10, clock=clock)
    async with limit.slot() as slot:
        slot.refused(signalled=True)
    assert limit.current == 1  # refused with nothing else in flight: the provider took none
    limit = ConnectionLimit(10, clock=clock)
    slots = await hold(limit, 10)
    slots[0].refused(signalled=True)
    await slots[0].__aexit__(None, None, None)
    assert limit.current == int(10 * DECREASE) and limit.refusals == 1
    # Refusals of requests sent before that cut: no new multiplicative cut, but the limit
    # follows what the provider still holds (six in flight after four refusals).
    clock.now += 0.1
    for s in slots[1:4]:
        s.refused()
        await s.__aexit__(None, None, None)
    assert limit.current == 6 and limit.in_flight == 6 and limit.cuts == 1
    for s in slots[4:]:
        await s.__aexit__(None, None, None)
    for _ in range(50):
        async with limit.slot():
            pass
    assert limit.current < 10  # just after a cut it grows slowly (one per eight rounds)
    clock.now += CAUTION_SECONDS
    for _ in range(200):
        async with limit.slot():
            pass
    assert limit.current == 10  # back at the bound, never above
    assert limit.lowest == 6 and limit.in_flight == 0


async def test_isolated_refusals_do_not_cut_the_limit_bursts_do() -> None:
    clock = Clock()
    limit = ConnectionLimit(100, clock=clock)
    slots = await hold(limit, 100)
    # Two refusals in a round of a hundred: noise, retried without a cut.
    for s in slots[:2]:
        s.refused()
        await s.__aexit__(None, None, None)
    for s in slots[2:]:
        await s.__aexit__(None, None, None)
    assert limit.current == 100 and limit.cuts == 0 and limit.refusals == 2
    # Random refusals at 3% over a thousand rounds: never a cut.
    rng = random.Random(7)
    for _ in range(100_000):
        async with limit.slot() as slot:
            if rng.random() < 0.03:
                slot.refused()
    assert limit.cuts == 0 and limit.current == 100
    # A burst: a sixth of a round refused while a hundred are in flight is load.
    slots = await hold(limit, 100)
    for s in slots[:16]:
        clock.now += 0.001
        s.refused()
        await s.__aexit__(None, None, None)
    assert limit.cuts == 1 and limit.current <= 90
    for s in slots[16:]:
        await s.__aexit__(None, None, None)


async def test_the_limit_recovers_within_a_minute_after_refusals_stop() -> None:
    clock = Clock()
    limit = ConnectionLimit(100, clock=clock)
    async with limit.slot() as slot:
        slot.refused(signalled=True)
    assert limit.current == 1
    # Replies take a second (a slow provider): one round of `current` requests a second.
    for _ in range(60):
        clock.now += 1.0
        for _ in range(limit.current):
            async with limit.slot():
                pass
    assert limit.current == 100


async def test_refusals_near_the_found_allowance_keep_the_limit_probing_slowly() -> None:
    """Past the caution period the limit grows a tenth per round, unless a refusal near
    the level the last cut found restarts it: then it creeps up one per eight rounds."""

    async def rounds(limit: ConnectionLimit, n: int) -> None:
        for _ in range(n):
            clock.now += 0.05
            for _ in range(limit.current):
                async with limit.slot():
                    pass

    clock = Clock()
    limit = ConnectionLimit(200, clock=clock)
    slots = await hold(limit, 20)
    slots[0].refused(signalled=True)
    for s in slots:
        await s.__aexit__(None, None, None)
    found = limit.current
    assert found == 19  # what the provider held: the others in flight
    clock.now += CAUTION_SECONDS
    # A refusal just above the found level: the provider's allowance is still there.
    await rounds(limit, 1)
    async with limit.slot() as slot:
        slot.refused()
    assert limit.cuts == 1
    before = limit.current
    await rounds(limit, 16)
    assert limit.current <= before + 2  # slow: about one per eight rounds
    # Ten quiet seconds later it recovers at full speed.
    clock.now += CAUTION_SECONDS
    await rounds(limit, 16)
    assert limit.current >= 2 * before
    # Random refusals at the bound, with no cut before, never slow the growth.
    fresh = ConnectionLimit(100, clock=clock)
    async with fresh.slot() as slot:
        slot.refused()
    assert fresh._slow_since == -math.inf


async def test_a_provider_signal_is_read_from_the_response() -> None:
    import httpx

    from evalrunner.model._api import ModelAPI

    def refusal(status: int, **headers: str) -> httpx.HTTPStatusError:
        request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
        response = httpx.Response(status, headers=headers, request=request)
        return httpx.HTTPStatusError("refused", request=request, response=response)

    signals = ModelAPI.signals_load
    api: Any = None
    assert signals(api, refusal(429, **{"x-ratelimit-remaining-requests": "0"}))
    assert signals(api, refusal(503, **{"retry-after": "2"}))
    assert not signals(api, refusal(429, **{"x-ratelimit-remaining-requests": "12"}))
    assert not signals(api, refusal(429, **{"retry-after": "1"}))
    assert not signals(api, refusal(503))


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


async def test_a_waiter_cancelled_as_a_place_frees_ends_cancelled_not_in_error() -> None:
    # Its future is cancelled at once, its task resumes later: in between, a release
    # drops the cancelled future from the queue (it used to raise "... is not in deque").
    limit = ConnectionLimit(1)
    (first,) = await hold(limit, 1)
    waiter = asyncio.create_task(limit.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    await first.__aexit__(None, None, None)
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limit.in_flight == 0 and not limit._waiters
    async with limit.slot():  # the place is free for the next one
        assert limit.in_flight == 1


async def test_random_refusals_are_retried_without_cutting_the_limit() -> None:
    with start_openai_server(api_key=KEY, latency=0.05, random_429=0.03) as server:
        model = get_model("openai-api/t/m", base_url=server.url, api_key=KEY, memoize=False,
                          config=GenerateConfig(max_connections=50))
        async with model:
            outputs = await asyncio.gather(*(model.generate(f"q{i}") for i in range(500)))
        assert [o.completion for o in outputs] == [f"q{i}" for i in range(500)]
        limit = model.stats.limit
        assert limit is not None and server.statuses[429] > 5
        assert limit.cuts == 0 and limit.lowest == 50, (limit.cuts, limit.lowest)


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


def test_samples_out_of_time_while_waiting_for_a_connection_end_as_their_limit(
    tmp_path: Path,
) -> None:
    with start_openai_server(api_key=KEY, latency=0.3) as server:
        data = write(tmp_path / "data.jsonl", "".join(
            json.dumps({"input": f"n{i}", "target": f"n{i}"}) + "\n" for i in range(30)))
        suite = write(tmp_path / "suite.yml", (
            "name: waits\nmodel: openai-api/t/m\ntasks:\n  - name: echo\n"
            f"    dataset: {{path: {data.name}}}\n    plan: [generate]\n    scorer: match\n"
        ))
        result = run_cli("run", str(suite), "--max-connections", "1", "--max-samples", "30",
                         "--time-limit", "1", "--log-dir", str(tmp_path / "logs"),
                         "--display", "none", env={"T_BASE_URL": server.url, "T_API_KEY": KEY})
    log = json.loads(next((tmp_path / "logs").rglob("*.json")).read_text())
    samples = log["samples"]
    assert result.returncode == 0, result.stderr
    assert log["status"] == "success" and len(samples) == 30
    assert not [s["error"] for s in samples if s.get("error")]  # no "not in deque"
    timed_out = [s for s in samples if s.get("limit") == "time"]
    assert len(timed_out) >= 20, [s.get("limit") for s in samples]
