"""Several models per run and `evalrunner compare`, end to end against a local server."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from evalrunner.analysis._stats import (
    BOOTSTRAP,
    MCNEMAR,
    binomial_two_sided,
    paired_binary,
    paired_bootstrap,
    wilson,
)
from tests.arith_suite import asked, logs_in, make_suite, server_env
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server

GOOD, BAD = "openai-api/test/good", "openai-api/test/bad"
WRONG = {"good": {9}, "bad": {2, 5, 7}}  # 6 both right, 3 only good, 1 only bad


def by_model(body: dict[str, Any]) -> str:
    """Each model is wrong on its own questions."""
    i = asked(body)
    if i is None:
        return "I do not know."
    return f"The answer is {2 * i + (1 if i in WRONG[body['model']] else 0)}."


def _newcombe_paired(both: int, only_a: int, only_b: int, neither: int) -> tuple[float, float]:
    """Newcombe (1998) method 10 for A - B as in the paper, then turned into B - A."""
    n = both + only_a + only_b + neither
    p1, p2 = (both + only_a) / n, (both + only_b) / n
    l1, u1 = wilson(both + only_a, n)
    l2, u2 = wilson(both + only_b, n)
    d = (both + only_a) * (neither + only_b) * (both + only_b) * (neither + only_a)
    phi = (both * neither - only_a * only_b) / math.sqrt(d) if d else 0.0
    theta = p1 - p2
    delta = math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    eps = math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    return (-(theta + eps), -(theta - delta))


def test_wilson_and_mcnemar_match_published_values() -> None:
    # Wilson interval of 81/263 (Newcombe 1998, Table I example): 0.2553 to 0.3662.
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    # Exact McNemar: 1 of 4 discordant pairs one way: 2 * (1 + 4) / 16.
    assert binomial_two_sided(1, 4) == pytest.approx(0.625)
    assert binomial_two_sided(0, 0) == 1.0


def test_paired_interval_stays_in_range_and_does_not_collapse() -> None:
    # Every sample agrees: the normal approximation gives [0, 0]; this does not.
    same = paired_binary([1.0] * 8 + [0.0] * 2, [1.0] * 8 + [0.0] * 2)
    assert same.delta == 0 and same.low < -0.1 and same.high > 0.1
    # B right everywhere A is wrong, on a tiny suite: the interval stays within [-1, 1].
    extreme = paired_binary([0.0] * 3, [1.0] * 3)
    assert extreme.delta == 1 and -1 <= extreme.low < 1 and extreme.high == 1
    numeric = paired_bootstrap([0.1, 0.5, 0.4, 0.9], [0.3, 0.6, 0.4, 1.0])
    assert numeric.method == BOOTSTRAP and numeric.low <= numeric.delta <= numeric.high


def test_two_models_in_one_run_then_compare(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=10)
    logs = tmp_path / "logs"
    with start_openai_server(responder=by_model) as server:
        result = run_cli("run", str(suite), "--model", f"{GOOD},{BAD}", "--log-dir", str(logs),
                         "--display", "plain", env=server_env(server.url))
        asked_models = sorted({b["model"] for b in server.bodies})
    assert result.returncode == 0, result.stderr
    assert asked_models == ["bad", "good"]
    runs = logs_in(logs)
    assert sorted(r.eval.model for r in runs) == [BAD, GOOD]
    # The results table: one row per task x model.
    table = result.stdout[result.stdout.index("task  "):].splitlines()
    assert table[0].split() == ["task", "model", "status", "samples", "accuracy", "stderr"]
    assert table[1].split()[:5] == ["sums", GOOD, "success", "10/10", "0.900"]
    assert table[2].split()[:5] == ["sums", BAD, "success", "10/10", "0.700"]

    out = run_cli("compare", str(logs), "--json")
    assert out.returncode == 0, out.stderr
    (task,) = json.loads(out.stdout)["tasks"]
    # The runs of one multi-model run come in the order the models were given.
    assert [r["model"] for r in task["runs"]] == [GOOD, BAD]
    assert [r["metrics"]["match"]["accuracy"] for r in task["runs"]] == [0.9, 0.7]
    (pair,) = task["pairs"]
    assert (pair["a"], pair["b"], pair["n"]) == (GOOD, BAD, 10)
    assert pair["delta"] == pytest.approx(-0.2)
    assert pair["p_value"] == pytest.approx(0.625)
    assert pair["method"] == MCNEMAR
    # 6 samples both right, 3 only A (good) right, 1 only B (bad) right, none both wrong.
    assert pair["ci95"] == pytest.approx(list(_newcombe_paired(6, 3, 1, 0)))
    assert [(d["id"], d["values"]) for d in task["disagreements"]] == [
        ("2", {GOOD: "C", BAD: "I"}), ("5", {GOOD: "C", BAD: "I"}),
        ("7", {GOOD: "C", BAD: "I"}), ("9", {GOOD: "I", BAD: "C"}),
    ]

    text = run_cli("compare", str(logs), "--samples")
    assert text.returncode == 0, text.stderr
    low, high = _newcombe_paired(6, 3, 1, 0)
    pair_line = next(line for line in text.stdout.splitlines() if line.startswith(f"{BAD} - "))
    assert pair_line.split() == [BAD, "-", GOOD, "match", "10", "-0.200",
                                 f"[{low:+.3f},", f"{high:+.3f}]", "0.625"]
    assert f"method: {MCNEMAR}" in text.stdout
    assert "samples scored differently: 4" in text.stdout
    lines = text.stdout.splitlines()
    assert any(line.split() == ["9", "match", "I", "C"] for line in lines)
    # Named files keep the order given: A is the first named.
    good, bad = (str(r.location) for r in sorted(runs, key=lambda r: r.eval.model != GOOD))
    named = json.loads(run_cli("compare", bad, good, "--json").stdout)["tasks"][0]["pairs"][0]
    assert (named["a"], named["b"]) == (BAD, GOOD) and named["delta"] == pytest.approx(0.2)


def test_repeated_model_option_and_per_model_args(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=2)
    with start_openai_server(responder=by_model) as server:
        result = run_cli("run", str(suite), "--model", GOOD, "--model", BAD,
                         "-M", "bad:temperature=0", "--log-dir", str(tmp_path / "logs"),
                         env=server_env(server.url))
    assert result.returncode == 0, result.stderr
    args = {r.eval.model: r.eval.model_args for r in logs_in(tmp_path / "logs")}
    assert args == {GOOD: {}, BAD: {"temperature": 0}}


def test_scoped_arg_naming_no_model_is_bad_input(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=2)
    result = run_cli("run", str(suite), "--model", f"{GOOD},{BAD}", "-M", "ugly:x=1",
                     "--log-dir", str(tmp_path / "logs"), env=server_env("http://127.0.0.1:9"))
    assert result.returncode == 2
    assert "-M 'ugly:x': 'ugly' is not one of the models" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_model_list_in_the_suite(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=3, name="listed")
    text = suite.read_text().replace("model: openai-api/test/small",
                                     f"model: [{GOOD}, {BAD}]")
    write(suite, text)
    with start_openai_server(responder=by_model) as server:
        assert run_cli("validate", str(suite)).returncode == 0
        result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"),
                         env=server_env(server.url))
    assert result.returncode == 0, result.stderr
    assert sorted(r.eval.model for r in logs_in(tmp_path / "logs")) == [BAD, GOOD]
    bad = write(tmp_path / "bad.yml", text.replace(f"model: [{GOOD}, {BAD}]", "model: [1, 2]"))
    checked = run_cli("validate", str(bad))
    assert checked.returncode == 2 and "model" in checked.stderr


def test_models_of_one_endpoint_share_its_connection_limit(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=6)
    with start_openai_server(responder=by_model, latency=0.2) as server:
        result = run_cli("run", str(suite), "--model", f"{GOOD},{BAD}", "--max-tasks", "2",
                         "--max-connections", "2", "--log-dir", str(tmp_path / "logs"),
                         env=server_env(server.url))
        peak = server.peak_concurrency
        order = [b["model"] for b in server.bodies]
    assert result.returncode == 0, result.stderr
    # Both models ran at once (two tasks at a time: their requests interleave), yet never
    # more than 2 requests were open: one limit for the endpoint, not one per model.
    last_good = len(order) - 1 - order[::-1].index("good")
    assert order.index("bad") < last_good and order.index("good") < len(order) - 1
    assert peak <= 2


def test_eval_api_runs_several_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evalrunner

    suite = make_suite(tmp_path, n=3)
    with start_openai_server(responder=by_model) as server:
        for key, value in server_env(server.url).items():
            monkeypatch.setenv(key, value)
        logs = evalrunner.eval(str(suite), model=f"{GOOD},{BAD}", log_dir=str(tmp_path / "a"))
        listed = evalrunner.eval(str(suite), model=[BAD, GOOD], log_dir=str(tmp_path / "b"))
    assert [log.eval.model for log in logs] == [GOOD, BAD]
    assert [log.eval.model for log in listed] == [BAD, GOOD]
    assert all(log.status == "success" and log.eval.models for log in [*logs, *listed])


def test_eval_api_inside_a_running_event_loop(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a notebook: eval() called from code that runs inside an event loop."""
    import asyncio

    import evalrunner

    suite = make_suite(tmp_path, n=2)
    with start_openai_server(responder=by_model) as server:
        for key, value in server_env(server.url).items():
            monkeypatch.setenv(key, value)

        async def cell() -> list[str]:
            logs = evalrunner.eval(str(suite), model=[GOOD, BAD], log_dir=str(tmp_path / "l"))
            return [log.status for log in logs]

        assert asyncio.run(cell()) == ["success", "success"]
