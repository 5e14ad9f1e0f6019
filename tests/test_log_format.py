"""The log file: append-only, readable when cut off, header reads that skip samples."""

from __future__ import annotations

import json
from pathlib import Path

from evalrunner._util.secrets import register_secret
from evalrunner.log import (
    EvalLog,
    EvalResults,
    EvalSample,
    EvalSpec,
    LogWriter,
    list_eval_logs,
    read_eval_log,
    read_eval_log_samples,
    write_eval_log,
)


def _log(task: str = "t", created: str = "2026-01-01T00:00:00") -> EvalLog:
    return EvalLog(eval=EvalSpec(run_id="r1", task=task, created=created, model="mockllm/model"))


def _write(path: Path, n: int, finish: bool = True) -> EvalLog:
    log = _log()
    writer = LogWriter(str(path))
    writer.start(log)
    for i in range(n):
        writer.write_sample(EvalSample(id=i + 1, input=f'question {i} {{"json": true}}'))
    log.status = "success"
    log.results = EvalResults(total_samples=n, completed_samples=n)
    if finish:
        writer.finish(log)
    else:
        writer._queue.put(None)
        assert writer._thread is not None
        writer._thread.join()
        assert writer._file is not None
        writer._file.close()
    return log


def test_finished_log_is_one_json_document(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    _write(path, 3)
    data = json.loads(path.read_text())
    assert data["status"] == "success"
    assert [s["id"] for s in data["samples"]] == [1, 2, 3]
    log = read_eval_log(path)
    assert log.status == "success" and len(log.samples) == 3
    assert log.samples[0].input == 'question 0 {"json": true}'


def test_samples_written_in_several_batches_make_one_json_document(tmp_path: Path) -> None:
    """The writer thread writes what is queued in batches: batches of any size, the last
    one holding only the end, still give one valid JSON document (a comma before every
    sample line but the first)."""
    path = tmp_path / "b.json"
    log = _log()
    writer = LogWriter(str(path))
    writer.start(log)
    for i in range(5):
        writer.write_sample(EvalSample(id=i + 1, input=f"q{i}"))
        if i in (0, 3):
            writer.wait_backlog(0)  # this batch is written before the next sample comes
    writer.wait_backlog(0)  # nothing left: the thread then takes the end alone
    log.status = "success"
    writer.finish(log)
    data = json.loads(path.read_text())
    assert [s["id"] for s in data["samples"]] == [1, 2, 3, 4, 5]


def test_cut_off_log_keeps_every_complete_sample(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    _write(path, 5, finish=False)
    with path.open("a") as f:
        f.write(',{"id": 6, "inp')  # the line being written when the process died
    log = read_eval_log(path)
    assert log.status == "started"
    assert [s.id for s in log.samples] == [1, 2, 3, 4, 5]
    assert [s.id for s in read_eval_log_samples(path)] == [1, 2, 3, 4, 5]


def test_header_only_does_not_parse_samples(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    _write(path, 2)
    lines = path.read_text().splitlines()
    lines[1] = "{corrupt sample line"
    path.write_text("\n".join(lines) + "\n")
    header = read_eval_log(path, header_only=True)
    assert header.status == "success"
    assert header.results is not None and header.results.total_samples == 2
    assert header.samples == []


def test_secrets_are_redacted(tmp_path: Path) -> None:
    register_secret("sk-test-secret-123456")
    path = tmp_path / "d.json"
    log = _log()
    log.samples = [EvalSample(id=1, input="the key is sk-test-secret-123456")]
    write_eval_log(log, path)
    text = path.read_text()
    assert "sk-test-secret-123456" not in text and "***" in text


def test_list_eval_logs_filters_by_status(tmp_path: Path) -> None:
    _write(tmp_path / "one.json", 1)
    started = tmp_path / "two.json"
    _write(started, 1, finish=False)
    (tmp_path / "notes.json").write_text('{"not": "a log"}')
    assert {log.status for log in list_eval_logs(tmp_path)} == {"success", "started"}
    assert [Path(str(log.location)).name for log in list_eval_logs(tmp_path, "started")] == [
        "two.json"
    ]


def test_write_eval_log_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    _write(path, 2)
    log = read_eval_log(path)
    log.status = "error"
    write_eval_log(log, path)
    again = read_eval_log(path)
    assert again.status == "error" and len(again.samples) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["e.json"]
