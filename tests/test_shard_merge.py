"""`run --shard i/n` across CI matrix jobs, then `logs merge`: the same metrics as one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalrunner.log import EvalLog, read_eval_log, write_eval_log
from evalrunner.runner._merge import MergeError, merge_logs
from evalrunner.runner._shard import parse_shard
from tests.arith_suite import answer_wrong_on, asked, logs_in, make_suite, server_env
from tests.conftest import run_cli
from tests.servers.openai_server import start_openai_server

WRONG = {2, 3, 7, 11}  # accuracy 7/11 and a stderr that is not the mean of shard stderrs


def _metrics(log: EvalLog) -> dict[str, float | int | None]:
    assert log.results is not None
    return {f"{s.name}/{k}": m.value for s in log.results.scores for k, m in s.metrics.items()}


def test_shards_merged_give_the_metrics_of_one_run(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=11, extra="    epochs: {count: 2, reducer: [mean, max]}\n"
                                                 "    thresholds: {match/mean/accuracy: 0.9}\n")
    with start_openai_server(responder=answer_wrong_on(WRONG)) as server:
        whole = run_cli("run", str(suite), "--log-dir", str(tmp_path / "whole"),
                        env=server_env(server.url))
        assert whole.returncode == 1  # 7/11 < 0.9
        shard_asks: list[set[int]] = []
        for i in (1, 2, 3):
            before = len(server.requests)
            # Each matrix job writes its own folder, as CI artifacts would be.
            job = run_cli("run", str(suite), "--shard", f"{i}/3", "--log-dir",
                          str(tmp_path / f"job{i}"), env=server_env(server.url))
            # A shard's metrics cover part of the samples: the gate waits for the merge.
            assert job.returncode == 0, job.stderr
            shard_asks.append({asked(r.body) or 0 for r in server.requests[before:]})
    assert shard_asks == [{1, 4, 7, 10}, {2, 5, 8, 11}, {3, 6, 9}]
    shards = [logs_in(tmp_path / f"job{i}")[0] for i in (1, 2, 3)]
    assert [s.eval.shard for s in shards] == [[1, 3], [2, 3], [3, 3]]

    junit = tmp_path / "junit.xml"
    merged_out = tmp_path / "merged" / "sums.json"
    result = run_cli("logs", "merge", *(str(s.location) for s in shards), "-o", str(merged_out),
                     "--junit", str(junit))
    assert result.returncode == 1, result.stderr  # the gate, now on all samples
    assert "threshold missed" in result.stdout and junit.exists()
    merged, one = logs_in(tmp_path / "merged")[0], logs_in(tmp_path / "whole")[0]
    assert _metrics(merged) == pytest.approx(_metrics(one), rel=1e-12)
    assert _metrics(one)["match/mean/accuracy"] == pytest.approx(7 / 11)
    assert merged.results is not None and one.results is not None
    assert merged.results.total_samples == one.results.total_samples == 22
    assert merged.results.missed_thresholds == one.results.missed_thresholds
    assert sorted((int(s.id), s.epoch) for s in merged.samples) == sorted(
        (int(s.id), s.epoch) for s in one.samples
    )
    assert merged.status == "success" and merged.eval.shard is None
    assert merged.eval.merged_from == [str(s.location) for s in shards]
    assert sum(u.total_tokens for u in merged.stats.model_usage.values()) == sum(
        u.total_tokens for s in shards for u in s.stats.model_usage.values()
    )


def test_merge_refuses_missing_repeated_or_foreign_shards(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=4)
    other = make_suite(tmp_path / "other", n=4, system="Something else.")
    with start_openai_server(responder=answer_wrong_on()) as server:
        for i in (1, 2):
            run_cli("run", str(suite), "--shard", f"{i}/2", "--log-dir", str(tmp_path / "logs"),
                    env=server_env(server.url))
        run_cli("run", str(other), "--shard", "2/2", "--log-dir", str(tmp_path / "foreign"),
                env=server_env(server.url))
    first, second = (str(log.location) for log in sorted(
        logs_in(tmp_path / "logs"), key=lambda log: log.eval.shard or []))
    foreign = str(logs_in(tmp_path / "foreign")[0].location)
    with pytest.raises(MergeError, match="shards missing"):
        merge_logs([first], str(tmp_path / "m1.json"))
    with pytest.raises(MergeError, match="task hash"):
        merge_logs([first, foreign], str(tmp_path / "m2.json"))
    with pytest.raises(MergeError, match="twice"):
        merge_logs([first, first], str(tmp_path / "m3.json"))
    partial = merge_logs([first], str(tmp_path / "m4.json"), partial=True)
    assert partial.results is not None and partial.results.total_samples == 2
    # A shard that `retry` finished is replaced by the retry's log (found by file name).
    retried = read_eval_log(first)
    retried.eval.retry_of = ["elsewhere/" + Path(first).name]
    retried.eval.run_id = "retried"
    write_eval_log(retried, tmp_path / "logs" / "retried.json")
    # A folder of shards: grouped by task, merged beside the first shard.
    result = run_cli("logs", "merge", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr
    assert "sums: success, 4 samples from 2 logs" in result.stdout
    merged = next(log for log in logs_in(tmp_path / "logs") if log.eval.merged_from)
    assert sorted(Path(m).name for m in merged.eval.merged_from or []) == sorted(
        ["retried.json", Path(second).name]
    )
    missing = run_cli("logs", "merge", first)
    assert missing.returncode == 2 and "shards missing" in missing.stderr


def test_parse_shard() -> None:
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard(None) is None
    for bad in ("0/2", "3/2", "1/0", "a/b", "2"):
        with pytest.raises(ValueError):
            parse_shard(bad)
