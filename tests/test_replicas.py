"""One OpenAI-compatible model served by several replicas (`-M base_urls=[...]`)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from evalrunner.model.providers._replicas import COOLDOWN, parse_base_urls
from tests.arith_suite import answer_wrong_on, asked, clean_env, logs_in, make_suite, sample_lines
from tests.conftest import ROOT, run_cli, write
from tests.extras import LOCAL, needs_extra
from tests.servers.llama_server import llama_server
from tests.servers.openai_server import start_openai_server


def _env() -> dict[str, str]:
    return {"TEST_API_KEY": "test-key", "TEST_BASE_URL": "http://127.0.0.1:9/unused"}


def test_replicas_share_the_load_by_outstanding_requests(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=40)
    # One replica is three times slower: least-outstanding sends it fewer requests.
    with start_openai_server(responder=answer_wrong_on(), latency=0.03) as fast, \
            start_openai_server(responder=answer_wrong_on(), latency=0.09) as slow:
        urls = f"[{fast.url},{slow.url}]"
        result = run_cli("run", str(suite), "-M", f"base_urls={urls}", "--max-connections", "4",
                         "--log-dir", str(tmp_path / "logs"), env=_env())
        assert result.returncode == 0, result.stderr
        assert len(fast.requests) + len(slow.requests) == 40
        assert len(fast.requests) > len(slow.requests) > 0
        assert fast.peak_concurrency + slow.peak_concurrency <= 8
    log = logs_in(tmp_path / "logs")[0]
    assert log.stats.replicas[fast.url].requests == len(fast.requests)
    assert log.stats.replicas[slow.url].requests == len(slow.requests)
    assert log.results is not None and log.results.scores[0].metrics["accuracy"].value == 1.0
    assert "base_urls" not in str(fast.requests[0].body)  # not sent as a body field


def test_a_stopped_replica_loses_no_sample_and_is_taken_out(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=60)
    with start_openai_server(responder=answer_wrong_on(), latency=0.05) as stays, \
            start_openai_server(responder=answer_wrong_on(), latency=0.05) as stops:
        def stop_later() -> None:
            while len(stops.requests) < 8:
                time.sleep(0.01)
            stops.stop()  # mid-request: its open connections are cut

        stopper = threading.Thread(target=stop_later)
        stopper.start()
        result = run_cli("run", str(suite), "-M", f"base_urls=[{stays.url},{stops.url}]",
                         "--max-connections", "6", "--log-dir", str(tmp_path / "logs"),
                         env=_env())
        stopper.join()
        assert result.returncode == 0, result.stderr
    log = logs_in(tmp_path / "logs")[0]
    assert log.status == "success" and len(log.samples) == 60
    assert all(s.error is None for s in log.samples)
    assert log.results is not None and log.results.scores[0].metrics["accuracy"].value == 1.0
    counts = log.stats.replicas
    assert counts[stops.url].removals >= 1 and counts[stops.url].failures >= 1
    # Every question was answered by the replica that stayed, apart from those the stopped
    # one answered before it stopped; none was retried through the retry policy.
    answered = Counter(asked(r.body) for r in stays.requests)
    assert set(answered) | {asked(r.body) for r in stops.requests} == set(range(1, 61))
    assert log.stats.models["openai-api/test/small"].retries == 0
    assert COOLDOWN > 0


def test_base_urls_are_checked() -> None:
    assert parse_base_urls("[http://a:1/v1, http://b:2/v1]") == ["http://a:1/v1", "http://b:2/v1"]
    assert parse_base_urls(["http://a/v1"]) == ["http://a/v1"]
    for bad in ("[]", "[ftp://x]", 3):
        try:
            parse_base_urls(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


@needs_extra("local", *LOCAL)
def test_two_llama_servers_behind_one_model_name(tmp_path: Path) -> None:
    """Two `llama_cpp.server` processes with SmolLM2: both take requests, and stopping one
    mid-run loses no sample."""
    rows = "".join(f'{{"id": {i}, "input": "Say the number {i}.", "target": "{i}"}}\n'
                   for i in range(1, 11))
    write(tmp_path / "say.jsonl", rows)
    suite = write(tmp_path / "say.yml", (
        "name: say\nmodel: llama-cpp-python/smollm2\n"
        "config: {max_tokens: 4, temperature: 0}\n"
        "tasks:\n  - name: say\n    dataset: {path: say.jsonl}\n    plan: [generate]\n"
        "    scorer: {match: {location: any}}\n"))
    logs = tmp_path / "logs"
    with llama_server(tmp_path / "a.log") as (first, _), \
            llama_server(tmp_path / "b.log") as (second, stopped):
        proc = subprocess.Popen(
            [sys.executable, "-m", "evalrunner", "run", str(suite), "--max-connections", "2",
             "-M", f"base_urls=[{first},{second}]", "--log-dir", str(logs), "--display", "none"],
            cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 300
        while sample_lines(logs) < 3:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run did not get going"
            time.sleep(0.05)
        stopped.terminate()  # the second replica goes away mid-run
        _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    log = logs_in(logs)[0]
    assert log.status == "success" and len(log.samples) == 10
    assert all(s.error is None and s.output and s.output.completion for s in log.samples)
    counts = log.stats.replicas
    assert counts[first].requests > 0 and counts[second].requests > 0  # shared
    assert counts[second].removals >= 1  # taken out once it stopped
    assert counts[first].failures == 0
