"""Details of Inspect-format logs, read by Inspect's own reader: `reductions.json` in
`.eval` logs (and `reductions` in `.json` exports), each scorer's score per sample with its
epochs reduced; cache hits in model events; events surviving an export."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import read_eval_log
from evalrunner.log._inspect_write import write_inspect_log
from tests.arith_suite import asked, make_suite, server_env
from tests.conftest import ROOT, run_cli
from tests.servers.openai_server import start_openai_server

inspect_log = pytest.importorskip(
    "inspect_ai.log", reason="inspect-ai is not installed (pip install -e '.[dev]')")


def wrong_the_first_time(*flaky: int) -> Any:
    """Answers right, except the first time a question in `flaky` is asked."""
    seen: set[int] = set()
    lock = threading.Lock()

    def respond(body: dict[str, Any]) -> str:
        i = asked(body) or 0
        with lock:
            first = i in flaky and i not in seen
            seen.add(i)
        return f"The answer is {2 * i + (1 if first else 0)}."

    return respond


def reductions_of(log: Any) -> dict[str | None, dict[int, Any]]:
    return {r.reducer: {s.sample_id: s.value for s in r.samples} for r in log.reductions or []}


def test_epochs_reduced_per_reducer(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=3)
    with start_openai_server(responder=wrong_the_first_time(2)) as server:
        result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"),
                         "--log-format", "eval", "--epochs", "2", "--epochs-reducer",
                         "mean,max", "--max-connections", "1", "--display", "plain",
                         env=server_env(server.url), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = (tmp_path / "logs").glob("*.eval")
    log = inspect_log.read_eval_log(str(path))
    assert {r.scorer for r in log.reductions or []} == {"match"}
    # sample 2 was wrong in one of its two epochs: a half by the mean, right by the max
    # (which keeps the letter, as evalrunner's max does)
    assert reductions_of(log) == {"mean": {1: 1.0, 2: 0.5, 3: 1.0},
                                  "max": {1: "C", 2: "C", 3: "C"}}
    assert log.results is not None
    # the reductions are what the results' metrics were computed from
    for entry in log.results.scores:
        reduced = reductions_of(log)[entry.reducer].values()
        values = [{"C": 1.0, "I": 0.0}.get(v, v) for v in reduced]
        assert entry.metrics["accuracy"].value == pytest.approx(sum(values) / len(values))
    # evalrunner's reader takes the file as before
    assert len(read_eval_log(path).samples) == 6


def test_one_epoch_and_json_export(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=2)
    with start_openai_server(responder=wrong_the_first_time(1)) as server:
        result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"),
                         "--display", "plain", env=server_env(server.url), timeout=120)
    assert result.returncode == 1 or result.returncode == 0, result.stderr
    (native,) = (tmp_path / "logs").glob("*.json")
    ours = read_eval_log(native)
    for suffix in (".eval", ".json"):
        out = tmp_path / f"exported{suffix}"
        write_inspect_log(ours, ours.samples, out)
        log = inspect_log.read_eval_log(str(out))
        # one epoch: the scores as they are, with no reducer, as the results have none
        assert reductions_of(log) == {None: {1: "I", 2: "C"}}, suffix
        (reduction,) = log.reductions or []
        assert reduction.samples[0].answer == "3"


def test_cache_hits_are_marked_in_eval_logs(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A cached reply's model event says `cache: read` to Inspect's reader (in a log it
    is part of the complete events); the first run's calls say nothing."""
    import evalrunner

    suite = make_suite(tmp_path, n=2, extra="    config: {cache: true}\n")
    monkeypatch.setenv("EVALRUNNER_CACHE_DIR", str(tmp_path / "cache"))
    paths = []
    with start_openai_server(responder=wrong_the_first_time()) as server:
        for env, value in server_env(server.url).items():
            monkeypatch.setenv(env, value)
        for run in ("first", "second"):
            (log,) = evalrunner.eval(str(suite), log_dir=str(tmp_path / run),
                                     log_format="eval", display="none")
            paths.append(log.location)
        assert len(server.requests) == 2  # the second run asked nothing
    first, second = (inspect_log.read_eval_log(str(p)) for p in paths)
    for log, mark in ((first, None), (second, "read")):
        events = [e for s in log.samples or [] for e in s.events if e.event == "model"]
        assert len(events) == 2 and all(e.cache == mark for e in events)
        assert all(e.output.completion.startswith("The answer is") for e in events)


def test_events_survive_an_export(tmp_path: Path) -> None:
    """An agent's model, tool and span events, exported to `.eval`, read back the same by
    evalrunner and as events by Inspect."""
    import evalrunner

    logs = evalrunner.eval(str(ROOT / "suites" / "agents" / "react.yml"),
                           log_dir=str(tmp_path / "logs"), display="none")
    for log in logs:
        out = tmp_path / f"{log.eval.task}.eval"
        write_inspect_log(log, log.samples, out)
        (back,) = read_eval_log(out).samples
        (theirs,) = inspect_log.read_eval_log(str(out)).samples or []
        (sample,) = log.samples
        kinds = [e.event for e in sample.events]
        assert "tool" in kinds and "model" in kinds
        assert [e.event for e in back.events] == kinds
        assert [e.event for e in theirs.events if e.event != "score"] == kinds
        tools = [(e.function, e.arguments, e.result) for e in sample.events if e.event == "tool"]
        assert tools == [(e.function, e.arguments, e.result) for e in back.events
                         if e.event == "tool"]
        assert tools == [(e.function, e.arguments, e.result) for e in theirs.events
                         if e.event == "tool"]
        models = [e for e in back.events if e.event == "model"]
        assert [m.input for m in models] == [e.input for e in sample.events
                                             if e.event == "model"]
