"""hf: the batching of concurrent generate calls, and the provider's clear errors.

transformers and torch (the `hf-models` extra) are not installed in CI; the queue that
batches generate calls is tested here on a real async workload with a plain function.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest

from evalrunner.model import ModelAPIError, get_model
from evalrunner.model.providers._batch_queue import BatchQueue


def doubler(seen: list[list[int]]) -> object:
    def run(batch: list[int]) -> list[int]:
        # Runs in a worker thread, like a model's generate.
        assert threading.current_thread() is not threading.main_thread()
        seen.append(list(batch))
        time.sleep(0.05)
        return [2 * x for x in batch]

    return run


async def test_full_batches_run_at_once() -> None:
    seen: list[list[int]] = []
    queue: BatchQueue[int, int] = BatchQueue(doubler(seen), max_size=4, wait=5.0)  # type: ignore[arg-type]
    start = time.monotonic()
    results = await asyncio.gather(*(queue.submit(i) for i in range(8)))
    assert results == [2 * i for i in range(8)]
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert time.monotonic() - start < 2  # full batches never wait out `wait`
    await queue.aclose()


async def test_a_partial_batch_runs_after_the_quiet_period() -> None:
    seen: list[list[int]] = []
    queue: BatchQueue[int, int] = BatchQueue(doubler(seen), max_size=32, wait=0.2)  # type: ignore[arg-type]
    first = [asyncio.ensure_future(queue.submit(i)) for i in range(3)]
    await asyncio.sleep(0.1)  # still within the quiet period: joins the same batch
    second = [asyncio.ensure_future(queue.submit(i)) for i in (10, 11)]
    assert await asyncio.gather(*first, *second) == [0, 2, 4, 20, 22]
    late = await queue.submit(7)  # after that batch: a batch of its own
    assert late == 14
    assert queue.batch_sizes == [5, 1]
    await queue.aclose()


async def test_arrivals_during_a_run_form_the_next_batch() -> None:
    seen: list[list[int]] = []
    queue: BatchQueue[int, int] = BatchQueue(doubler(seen), max_size=2, wait=0.05)  # type: ignore[arg-type]
    results = await asyncio.gather(*(queue.submit(i) for i in range(5)))
    assert results == [0, 2, 4, 6, 8]
    assert queue.batch_sizes == [2, 2, 1]


async def test_a_failing_batch_fails_each_of_its_callers() -> None:
    def explode(batch: list[int]) -> list[int]:
        raise RuntimeError(f"out of memory on {len(batch)} prompts")

    queue: BatchQueue[int, int] = BatchQueue(explode, max_size=3, wait=0.05)
    results = await asyncio.gather(*(queue.submit(i) for i in range(3)), return_exceptions=True)
    assert [str(r) for r in results] == ["out of memory on 3 prompts"] * 3
    # The queue keeps working after a failure.
    queue.run = lambda batch: [x + 1 for x in batch]
    assert await queue.submit(1) == 2


def test_local_needs_a_model_path() -> None:
    with pytest.raises(ValueError, match="model_path"):
        get_model("hf/local", memoize=False)


async def test_missing_transformers_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "transformers", None)
    model = get_model("hf/openai-community/gpt2", device="cpu", memoize=False)
    assert model.api.connection_key() == "hf:openai-community/gpt2:cpu"
    with pytest.raises(ModelAPIError, match=r"pip install 'evalrunner\[hf-models\]'"):
        await model.generate("hi")
