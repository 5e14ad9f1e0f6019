"""Results as data: `evalrunner export`, the data frames, Inspect logs both ways, plots."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from evalrunner.analysis import compare_logs
from evalrunner.analysis._read import read_samples
from evalrunner.log import read_eval_log
from evalrunner.log._inspect_read import is_inspect_log, read_inspect_log
from tests.arith_suite import logs_in, make_suite, server_env
from tests.conftest import run_cli
from tests.extras import needs_extra
from tests.servers.openai_server import start_openai_server
from tests.test_compare import BAD, GOOD, by_model


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the logs of one run of two models that disagree on four samples;
    the samples carry metadata."""
    folder = tmp_path_factory.mktemp("runs")
    suite = make_suite(folder, n=10)
    data = folder / "arith.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    for row in rows:
        row["metadata"] = {"level": "hard" if row["id"] > 5 else "easy", "tags": {"kind": "sum"}}
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with start_openai_server(responder=by_model) as server:
        result = run_cli("run", str(suite), "--model", f"{GOOD},{BAD}", "--log-dir",
                         str(folder / "logs"), env=server_env(server.url))
    assert result.returncode == 0, result.stderr
    return folder / "logs"


def test_export_jsonl_round_trips_every_sample(two_runs: Path) -> None:
    result = run_cli("export", str(two_runs), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert "20 rows" in result.stderr
    for log in logs_in(two_runs):
        mine = {r["id"]: r for r in rows if r["model"] == log.eval.model}
        assert sorted(mine) == list(range(1, 11))
        for sample in log.samples:
            row = mine[sample.id]
            assert (row["task"], row["epoch"], row["run_id"]) == ("sums", 1, log.eval.run_id)
            assert row["score/match"] == sample.scores["match"].value
            assert row["answer"] == sample.output.completion
            assert row["input_tokens"] == sum(u.input_tokens for u in sample.model_usage.values())
            assert row["metadata/level"] == sample.metadata["level"]
            assert row["metadata/tags/kind"] == "sum"
    wrong = sorted((r["model"], r["id"]) for r in rows if r["score/match"] == "I")
    assert wrong == [(BAD, 2), (BAD, 5), (BAD, 7), (GOOD, 9)]


def test_export_csv_per_task_and_to_a_file(two_runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "tasks.csv"
    result = run_cli("export", str(two_runs), "--format", "csv", "--per", "task", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {(r["model"], r["match/accuracy"], r["total_samples"]) for r in rows} == {
        (GOOD, "0.9", "10"), (BAD, "0.7", "10")}
    samples = run_cli("export", str(two_runs))  # csv by default, to standard output
    table = list(csv.DictReader(io.StringIO(samples.stdout)))
    assert len(table) == 20 and table[0]["metadata/tags/kind"] == "sum"


def test_bad_export_input_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not a log")
    result = run_cli("export", str(tmp_path / "x.json"))
    assert result.returncode == 2 and "not a readable log" in result.stderr
    assert run_cli("export", str(tmp_path), "--format", "parquet").returncode == 2


@needs_extra("analysis", "pandas", "pyarrow")
def test_data_frames_and_parquet(two_runs: Path, tmp_path: Path) -> None:
    import pandas  # the analysis extra

    from evalrunner.analysis import evals_df, samples_df

    frame = samples_df(two_runs)
    assert len(frame) == 20 and set(frame["model"]) == {GOOD, BAD}
    accuracy = frame.assign(right=frame["score/match"] == "C").groupby("model")["right"].mean()
    assert accuracy[GOOD] == pytest.approx(0.9) and accuracy[BAD] == pytest.approx(0.7)
    evals = evals_df(two_runs)
    assert sorted(evals["match/accuracy"]) == [0.7, 0.9]
    out = tmp_path / "samples.parquet"
    result = run_cli("export", str(two_runs), "--format", "parquet", "-o", str(out))
    assert result.returncode == 0, result.stderr
    back = pandas.read_parquet(out)
    assert len(back) == 20 and sorted(back["id"]) == sorted(frame["id"])


def test_inspect_export_reads_back_and_compares(two_runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "inspect"
    result = run_cli("export", str(two_runs), "--format", "inspect", "-o", str(out))
    assert result.returncode == 0, result.stderr
    files = sorted(out.glob("*.eval"))
    assert len(files) == 2
    with zipfile.ZipFile(files[0]) as z:
        names = set(z.namelist())
        header = json.loads(z.read("header.json"))
    assert {"header.json", "_journal/start.json", "summaries.json"} <= names
    assert sum(1 for n in names if n.startswith("samples/")) == 10
    assert header["version"] == 2 and header["eval"]["task"] == "sums"
    assert header["eval"]["dataset"]["samples"] == 10 and "config" in header["eval"]
    assert all(is_inspect_log(str(f)) for f in files)
    for path in files:
        back = read_inspect_log(str(path))
        original = next(r for r in logs_in(two_runs) if r.eval.model == back.eval.model)
        assert back.status == "success" and back.eval.task == "sums"
        assert back.results is not None and original.results is not None
        assert back.results.scores[0].metrics == original.results.scores[0].metrics
        by_id = {s.id: s for s in back.samples}
        for sample in original.samples:
            again = by_id[sample.id]
            assert again.scores["match"].value == sample.scores["match"].value
            assert again.output.completion == sample.output.completion
            assert [m.text for m in again.messages] == [m.text for m in sample.messages]
            assert again.metadata == sample.metadata
    # compare reads Inspect logs beside evalrunner's: the same figures.
    tasks, errors = compare_logs([out])
    assert not errors
    (pair,) = tasks[0].pairs
    assert abs(pair.interval.delta) == pytest.approx(0.2)
    assert sorted(d.id for d in tasks[0].disagreements) == ["2", "5", "7", "9"]


def test_inspect_json_log_is_read(tmp_path: Path, two_runs: Path) -> None:
    log = logs_in(two_runs)[0]
    out = tmp_path / "one.json"
    from evalrunner.log._inspect_write import write_inspect_log

    write_inspect_log(read_eval_log(str(log.location), header_only=True),
                      read_samples(str(log.location)), out)
    assert json.loads(out.read_text())["version"] == 2
    assert is_inspect_log(str(out)) and not is_inspect_log(str(log.location))
    samples = list(read_samples(str(out)))
    assert sorted(s.id for s in samples) == list(range(1, 11))
    view = run_cli("export", str(out), "--format", "jsonl")
    assert view.returncode == 0 and len(view.stdout.splitlines()) == 10


@needs_extra("plot", "matplotlib")
def test_compare_plot_png_and_svg(two_runs: Path, tmp_path: Path) -> None:
    png, svg = tmp_path / "c.png", tmp_path / "c.svg"
    assert run_cli("compare", str(two_runs), "--plot", str(png)).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run_cli("compare", str(two_runs), "--plot", str(svg)).returncode == 0
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg")) and GOOD in text and BAD in text
    bad = run_cli("compare", str(two_runs), "--plot", str(tmp_path / "c.gif"))
    assert bad.returncode == 2 and "use a .png or .svg" in bad.stderr


def test_viewer_lists_and_pages_inspect_logs(two_runs: Path, tmp_path: Path) -> None:
    from evalrunner.viewer._library import LogLibrary, SampleQuery

    out = tmp_path / "mixed"
    assert run_cli("export", str(two_runs), "--format", "inspect", "-o", str(out)).returncode == 0
    library = LogLibrary(out)
    rows = library.list_logs()
    assert len(rows) == 2 and all(r["id"].endswith(".eval") for r in rows)
    assert {r["model"] for r in rows} == {GOOD, BAD}
    assert all(r["status"] == "success" and r["total"] == 10 for r in rows)
    bad = next(r["id"] for r in rows if r["model"] == BAD)
    page = library.samples(bad, SampleQuery(score="I"))
    assert [item["id"] for item in page["items"]] == [2, 5, 7]
    first = library.sample(bad, page["items"][0]["n"])
    assert first["output"]["choices"][0]["message"]["content"] == "The answer is 5."
    view = library.header(bad)
    assert view["eval"]["task"] == "sums" and view["sample_count"] == 10


def _inspect_sample(i: int, right: bool) -> dict[str, object]:
    """A sample as Inspect writes it, with fields this tool has no use for."""
    answer = "4" if right else "5"
    return {
        "id": f"q{i}", "epoch": 1, "input": [{"role": "user", "content": "What is 2 + 2?",
                                               "source": "input", "id": f"m{i}"}],
        "target": "4", "sandbox": None, "files": [], "setup": None,
        "messages": [
            {"role": "user", "content": "What is 2 + 2?", "id": "a"},
            {"role": "assistant", "id": "b", "model": "openai/x", "content": [
                {"type": "reasoning", "reasoning": "add", "signature": None,
                 "redacted": False},
                {"type": "text", "text": f"ANSWER: {answer}", "refusal": None,
                 "citations": None}],
             "tool_calls": [{"id": "c1", "function": "calc", "arguments": {"x": 2},
                             "type": "function", "view": None}]},
            {"role": "tool", "content": "4", "tool_call_id": "c1", "function": "calc",
             "error": {"type": "timeout", "message": "took too long"}},
        ],
        "output": {"model": "openai/x", "choices": [{"message": {
            "role": "assistant", "content": f"ANSWER: {answer}", "source": "generate"},
            "stop_reason": "max_tokens", "logprobs": None}],
            "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7,
                      "reasoning_tokens": 1}, "time": 0.5, "completion": answer},
        "scores": {"match": {"value": "C" if right else "I", "answer": answer,
                             "explanation": None, "metadata": {}, "history": []}},
        "metadata": {"level": "easy"}, "store": {}, "events": [{"event": "sample_init"}],
        "model_usage": {"openai/x": {"input_tokens": 5, "output_tokens": 2,
                                     "total_tokens": 7}},
        "started_at": "2025-02-07T00:00:01+00:00", "total_time": 0.6, "working_time": 0.5,
        "uuid": f"u{i}", "error_retries": [], "attachments": {},
        "limit": {"type": "token", "limit": 100} if i == 3 else None,
    }


def test_reads_an_inspect_written_log(tmp_path: Path) -> None:
    header = {
        "version": 2, "status": "success",
        "eval": {"eval_id": "e1", "run_id": "r1", "created": "2025-02-07T00:00:00+00:00",
                 "task": "sums", "task_id": "t1", "task_version": 0, "task_args": {"n": 1},
                 "dataset": {"name": "d", "samples": 3, "sample_ids": ["q1", "q2", "q3"]},
                 "model": "openai/x", "model_generate_config": {}, "model_args": {},
                 "model_roles": {"grader": {"model": "openai/judge", "config": {}}},
                 "config": {"epochs": 1, "limit": 3}, "packages": {"inspect_ai": "0.3"}},
        "plan": {"name": "plan", "steps": [{"solver": "generate", "params": {}}],
                 "config": {"temperature": 0.0}},
        "results": {"total_samples": 3, "completed_samples": 3, "scores": [
            {"name": "match", "scorer": "match", "params": {}, "metrics": {
                "accuracy": {"name": "accuracy", "value": 0.667, "params": {}}}}]},
        "stats": {"started_at": "2025-02-07T00:00:00+00:00",
                  "completed_at": "2025-02-07T00:00:09+00:00", "model_usage": {}},
    }
    samples = [_inspect_sample(i, i != 2) for i in (1, 2, 3)]
    as_json = tmp_path / "inspect.json"
    as_json.write_text(json.dumps({**header, "samples": samples}, indent=4))
    as_eval = tmp_path / "inspect.eval"
    with zipfile.ZipFile(as_eval, "w") as z:
        z.writestr("header.json", json.dumps(header))
        for s in samples:
            z.writestr(f"samples/{s['id']}_epoch_1.json", json.dumps(s))
    for path in (as_json, as_eval):
        log = read_inspect_log(str(path))
        assert (log.eval.task, log.eval.model, log.status) == ("sums", "openai/x", "success")
        assert log.eval.model_roles == {"grader": "openai/judge"} and log.eval.limit == [1, 3]
        assert [s.id for s in log.samples] == ["q1", "q2", "q3"]
        two = log.samples[1]
        assert two.scores["match"].value == "I" and two.output.completion == "ANSWER: 5"
        assert two.output.choices[0].stop_reason == "length"
        assert two.messages[2].error == "took too long"  # type: ignore[union-attr]
        assert log.samples[2].limit == "token"
        rows = run_cli("export", str(path), "--format", "jsonl")
        assert rows.returncode == 0, rows.stderr
        assert [json.loads(r)["score/match"] for r in rows.stdout.splitlines()] == ["C", "I", "C"]


INSPECT_LOGS = Path(__file__).parent / "data" / "inspect"


def test_logs_written_by_inspect_itself(tmp_path: Path) -> None:
    # tests/data/inspect: one run of a three-sample task by Inspect 0.3 (`sums.eval`, its
    # members zstandard-compressed, and the same task with --log-format json): sample s2
    # is answered wrong, s1 and s3 right, scored by Inspect's includes() and match().
    for name in ("sums.eval", "sums.json"):
        path = str(INSPECT_LOGS / name)
        assert is_inspect_log(path)
        log = read_inspect_log(path)
        assert (log.status, log.eval.task, log.eval.model) == ("success", "sums", "mockllm/model")
        assert log.results is not None
        assert log.results.scores[0].metrics["accuracy"].value == pytest.approx(2 / 3)
        assert {s.id: s.scores["match"].value for s in log.samples} == {
            "s1": "C", "s2": "I", "s3": "C"}
        assert log.samples[0].metadata == {"level": "easy"}
        assert log.samples[1].output.completion == "ANSWER: 5"
    text = run_cli("compare", str(INSPECT_LOGS / "sums.eval"), str(INSPECT_LOGS / "sums.json"),
                   "--json")
    assert text.returncode == 0, text.stderr
    (task,) = json.loads(text.stdout)["tasks"]
    assert len(task["runs"]) == 2 and task["disagreements"] == []
    assert task["runs"][0]["metrics"]["match"]["accuracy"] == pytest.approx(2 / 3)
    rows = run_cli("export", str(INSPECT_LOGS), "--all", "--format", "jsonl")
    assert [json.loads(r)["score/match"] for r in rows.stdout.splitlines()] == ["C", "I", "C"] * 2

    from evalrunner.viewer._library import LogLibrary, SampleQuery

    library = LogLibrary(INSPECT_LOGS)
    listed = library.list_logs()
    assert sorted(r["id"] for r in listed) == ["sums.eval", "sums.json"]
    wrong = library.samples("sums.eval", SampleQuery(score="I", scorer="match"))
    assert [r["id"] for r in wrong["items"]] == ["s2"]
