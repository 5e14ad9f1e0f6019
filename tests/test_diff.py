"""`evalrunner diff`: metric deltas with 95% intervals and the samples whose score changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalrunner.analysis._stats import (
    MCNEMAR,
    NEWCOMBE_UNPAIRED,
    binomial_two_sided,
    paired_binary,
    unpaired_binary,
)
from evalrunner.log import (
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    write_eval_log,
)
from evalrunner.log._diff import diff_logs
from evalrunner.scorers import Score
from tests.arith_suite import answer_wrong_on, logs_in, make_suite, server_env
from tests.conftest import run_cli
from tests.servers.openai_server import start_openai_server


def test_diff_of_two_runs_lists_changed_samples_and_a_paired_interval(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=10)
    with start_openai_server(responder=answer_wrong_on({3, 6, 9})) as server:
        run_cli("run", str(suite), "--log-dir", str(tmp_path / "a"), env=server_env(server.url))
        server.options.responder = answer_wrong_on({9, 10})
        run_cli("run", str(suite), "--log-dir", str(tmp_path / "b"), env=server_env(server.url))
    a, b = str(logs_in(tmp_path / "a")[0].location), str(logs_in(tmp_path / "b")[0].location)

    result = run_cli("diff", a, b, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    accuracy = next(m for m in data["metrics"] if m["name"] == "match/accuracy")
    assert (accuracy["a"], accuracy["b"]) == (0.7, 0.8)
    assert accuracy["delta"] == pytest.approx(0.1)
    # Pass/fail scores of the same samples: the exact McNemar test on the discordant pairs
    # (3 and 6 right only in B, 10 only in A) and Newcombe's paired score interval, which
    # unlike a normal approximation holds for ten samples.
    right_a = [0.0 if i in (3, 6, 9) else 1.0 for i in range(1, 11)]
    right_b = [0.0 if i in (9, 10) else 1.0 for i in range(1, 11)]
    expected = paired_binary(right_a, right_b)
    assert accuracy["paired"] is True and accuracy["method"] == MCNEMAR
    assert accuracy["ci95"] == pytest.approx([expected.low, expected.high])
    assert accuracy["p_value"] == pytest.approx(binomial_two_sided(1, 3))  # 2 vs 1: p = 1
    assert expected.low < 0 < expected.high and expected.low >= -1
    stderr = next(m for m in data["metrics"] if m["name"] == "match/stderr")
    assert stderr["ci95"] is None and stderr["delta"] is not None
    changed = {(c["id"], c["scorer"]): (c["a"], c["b"]) for c in data["changed"]}
    assert changed == {("3", "match"): ("I", "C"), ("6", "match"): ("I", "C"),
                       ("10", "match"): ("C", "I")}

    text = run_cli("diff", a, b)
    assert text.returncode == 0
    assert "samples whose score changed: 3" in text.stdout
    assert "id 10 epoch 1 match: C -> I" in text.stdout
    assert "match/accuracy" in text.stdout and "+0.100" in text.stdout and "paired" in text.stdout


def _log(path: Path, values: dict[str, float], accuracy: float) -> str:
    log = EvalLog(
        status="success",
        eval=EvalSpec(run_id=path.stem, task="t", created="2026-01-01T00:00:00+00:00", model="m/x"),
        samples=[
            EvalSample(id=i, input="q", scores={"s": Score(value=v)}) for i, v in values.items()
        ],
        results=EvalResults(scores=[EvalScore(
            name="s", scorer="s", metrics={"accuracy": EvalMetric(name="accuracy", value=accuracy)}
        )]),
    )
    write_eval_log(log, path)
    return str(path)


def test_different_samples_use_an_unpaired_interval_and_count_the_unmatched(tmp_path: Path) -> None:
    a = _log(tmp_path / "a.json", {"1": 1, "2": 0, "3": 1, "4": 0}, 0.5)
    b = _log(tmp_path / "b.json", {"3": 1, "4": 1, "5": 1, "6": 0}, 0.75)
    diff = diff_logs(a, b)
    [row] = diff.metrics
    assert row.delta == pytest.approx(0.25) and row.paired is False
    expected = unpaired_binary([1, 0, 1, 0], [1, 1, 1, 0])  # Newcombe, independent samples
    assert row.ci == pytest.approx((expected.low, expected.high))
    assert row.method == NEWCOMBE_UNPAIRED
    assert [(c.id, c.a, c.b) for c in diff.changed] == [("4", 0, 1)]
    assert (diff.only_a, diff.only_b) == (2, 2)
