"""Big logs: memory while writing one, and the time to read its header.

Writes a log of N samples (default 100,000; each with a chat of three messages, an
output, a score and metadata, about 1 KB on disk) through the executor's LogWriter, the
way a run does, and prints:

- the time to write it and the peak resident memory above the starting point while
  writing (sampled every 5 ms from /proc/self/statm), with the writer queue's peak backlog,
- the time of `read_eval_log(path, header_only=True)` (what `list logs` and the viewer's
  index do per log), median of 20 reads, next to streaming every sample for comparison.

    python bench/log_header.py            # 100,000 samples
    python bench/log_header.py -n 10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from evalrunner.log import (
    EvalLog,
    EvalResults,
    EvalSample,
    EvalSpec,
    LogWriter,
    read_eval_log,
    read_eval_log_samples,
)
from evalrunner.model._chat import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
from evalrunner.model._output import ModelOutput, ModelUsage
from evalrunner.scorers import Score

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


class PeakRss:
    """Samples the resident set size in a thread until stopped."""

    def __init__(self) -> None:
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def sample(i: int) -> EvalSample:
    question = f"Question {i}: what is {i} + {i}? Explain briefly, then give the number."
    answer = f"Adding {i} to itself doubles it, so the answer is {2 * i}."
    return EvalSample(
        id=i,
        input=question,
        target=str(2 * i),
        metadata={"source": "bench", "difficulty": i % 5},
        messages=[
            ChatMessageSystem(content="You are a careful assistant. Answer with a number."),
            ChatMessageUser(content=question),
            ChatMessageAssistant(content=answer),
        ],
        output=ModelOutput.from_content("bench/model", answer),
        scores={"match": Score(value="C", answer=str(2 * i), explanation=answer)},
        model_usage={"bench/model": ModelUsage(input_tokens=40, output_tokens=20, total_tokens=60)},
        started_at=time.time(),
        total_time=0.5,
    )


def write_log(
    path: Path, n: int, unpaced: bool = False
) -> tuple[float, int, int]:
    """Write the log; returns (seconds, peak RSS growth in bytes, peak queue backlog)."""
    log = EvalLog(eval=EvalSpec(run_id="bench", task="bench", created="2026-01-01T00:00:00+00:00",
                                model="bench/model"))
    writer = LogWriter(str(path))
    backlog = 0
    start_rss = rss()
    started = time.perf_counter()
    with PeakRss() as peak:
        writer.start(log)
        for i in range(1, n + 1):
            writer.write_sample(sample(i))
            if not unpaced:
                writer.wait_backlog()  # what a retry's copy does; a run is paced by its models
            if i % 1000 == 0:
                backlog = max(backlog, i - writer.samples_written)
        log.status = "success"
        log.results = EvalResults(total_samples=n, completed_samples=n)
        writer.finish(log)
    return time.perf_counter() - started, peak.peak - start_rss, backlog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="samples in the log")
    parser.add_argument("--unpaced", action="store_true",
                        help="queue samples as fast as they are made (the queue then grows)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        seconds, grown, backlog = write_log(path, args.n, args.unpaced)
        size = path.stat().st_size
        print(f"wrote {args.n:,} samples ({size / 1e6:.1f} MB) in {seconds:.1f} s "
              f"({args.n / seconds:,.0f} samples/s)")
        print(f"peak memory while writing: +{grown / 1e6:.1f} MB RSS above the start "
              f"(the log is {size / 1e6:.1f} MB); writer queue backlog peaked at {backlog:,}")
        times = []
        for _ in range(20):
            t0 = time.perf_counter()
            header = read_eval_log(path, header_only=True)
            times.append(time.perf_counter() - t0)
        assert header.status == "success" and header.samples == []
        print(f"read_eval_log(header_only=True): {statistics.median(times) * 1000:.2f} ms "
              f"(median of 20)")
        t0 = time.perf_counter()
        count = sum(1 for _ in read_eval_log_samples(path))
        print(f"streaming all {count:,} samples for comparison: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
