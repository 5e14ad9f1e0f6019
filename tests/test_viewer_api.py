"""The viewer's data side: the line index, paging and filters, and the HTTP API."""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest

from evalrunner.log import read_eval_log, write_eval_log
from evalrunner.log._file import trailer_line
from evalrunner.viewer import BackgroundViewer, LogLibrary, NotFound, SampleQuery, _index
from tests.viewer_logs import sample, start_log, write_log


def test_pages_are_sorted_by_id_and_cost_only_their_lines(tmp_path: Path) -> None:
    write_log(tmp_path / "a.json", 120)
    lib = LogLibrary(tmp_path)
    page = lib.samples("a.json", SampleQuery(offset=50, limit=20))
    assert page["total"] == 120 and page["count"] == 120 and page["complete"]
    assert [row["id"] for row in page["items"]] == list(range(51, 71))
    row = page["items"][0]
    assert row["target"] == "102" and row["answer"] == "The answer is 102."
    assert row["scores"]["match"] == {"value": "C", "answer": "102", "unscored": False}
    assert row["input"].startswith("What is 51 + 51?") and row["tokens"] == 132
    # The file holds samples in reverse order: position n is not id n + 1.
    assert lib.sample("a.json", row["n"])["id"] == 51


def test_filters_by_score_scorer_error_and_text(tmp_path: Path) -> None:
    write_log(tmp_path / "a.json", 200)
    lib = LogLibrary(tmp_path)
    wrong = lib.samples("a.json", SampleQuery(score="i", limit=500))
    assert [r["id"] for r in wrong["items"]] == list(range(5, 201, 5))
    assert wrong["count"] == 200
    scoped = lib.samples("a.json", SampleQuery(score="I", scorer="model_graded_fact"))
    assert scoped["total"] == wrong["total"]
    assert lib.samples("a.json", SampleQuery(score="I", scorer="nope"))["total"] == 0
    failed = lib.samples("a.json", SampleQuery(error=True))
    assert [r["id"] for r in failed["items"]] == [97, 194]
    assert failed["items"][0]["error"] == "RuntimeError: the model went away"
    assert lib.samples("a.json", SampleQuery(error=False))["total"] == 198
    found = lib.samples("a.json", SampleQuery(q="WHAT IS 123 + 123?"))
    assert [r["id"] for r in found["items"]] == [123]
    # A quote is escaped in the JSON line; the search still finds it.
    quoted = lib.samples("a.json", SampleQuery(q="is 'The answer is 14.' right"))
    assert [r["id"] for r in quoted["items"]] == [7]
    both = lib.samples("a.json", SampleQuery(q="the answer is 21.", score="I"))
    assert [r["id"] for r in both["items"]] == [10]


def test_facets_count_values_per_scorer(tmp_path: Path) -> None:
    write_log(tmp_path / "a.json", 100)
    facets = LogLibrary(tmp_path).facets("a.json")
    assert facets == {
        "count": 100,
        "errors": 1,
        "scorers": {
            "match": {"C": 79, "I": 20},
            "model_graded_fact": {"C": 79, "I": 20},
        },
        "metadata": {},  # these samples have no metadata to filter by
    }


def test_ids_are_read_from_the_line_start_and_sorted_numbers_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.json"
    log, file = start_log(path, 4)
    for sample_id in ['b"x', 3, "a", 1]:
        one = sample(1)
        one.id = sample_id
        file.add(one)
    log.status = "success"
    file.finish(log)
    calls: list[bytes] = []

    def loads(data: bytes) -> object:
        calls.append(data)
        return json.loads(data)

    monkeypatch.setattr(_index, "json", SimpleNamespace(loads=loads, load=json.load))
    page = LogLibrary(tmp_path).samples("s.json", SampleQuery())
    assert [r["id"] for r in page["items"]] == [1, 3, "a", 'b"x']
    # Only quoted ids are decoded while indexing (and the 4 rows of the page): no line is
    # parsed whole to find its id.
    assert sorted(c.decode() for c in calls[:2]) == ['"a"', r'"b\"x"']
    assert len(calls) == 2 + 4


def test_a_running_log_is_indexed_incrementally(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    _, file = start_log(path, 10)
    file.add(*(sample(i) for i in range(1, 4)))
    lib = LogLibrary(tmp_path)
    assert lib.header("run.json")["status"] == "started"
    assert lib.samples("run.json", SampleQuery())["count"] == 3
    index = lib.index_of(path)
    scanned = index._scanned
    # Two more samples and a line torn mid-write, as a running eval leaves its log.
    lines = ["," + sample(i).model_dump_json(exclude_none=True) + "\n" for i in (4, 5, 6)]
    with path.open("a", encoding="utf-8") as f:
        f.write(lines[0] + lines[1] + lines[2][:40])
    page = lib.samples("run.json", SampleQuery())
    assert [r["id"] for r in page["items"]] == [1, 2, 3, 4, 5] and not page["complete"]
    assert index.starts[3] == scanned  # only the new bytes were scanned
    assert lib.facets("run.json")["count"] == 5
    assert lib.samples("run.json", SampleQuery(score="I"))["total"] == 1  # id 5
    # The rest of the torn line, then the trailer: the log is complete.
    log = read_eval_log(path, header_only=True)
    log.status = "success"
    with path.open("a", encoding="utf-8") as f:
        f.write(lines[2][40:] + trailer_line(log))
    page = lib.samples("run.json", SampleQuery(score="C"))
    assert [r["id"] for r in page["items"]] == [1, 2, 3, 4, 6] and page["complete"]
    header = lib.header("run.json")
    assert header["status"] == "success" and header["sample_count"] == 6


def test_a_rewritten_log_is_indexed_again(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_log(path, 30)
    lib = LogLibrary(tmp_path)
    assert lib.samples("a.json", SampleQuery(score="I"))["total"] == 6
    log = read_eval_log(path)
    for s in log.samples:
        s.scores["match"].value = "C"
        s.scores["model_graded_fact"].value = "C"
    log.samples = log.samples[:10]
    write_eval_log(log, path)  # a new file renamed over the old one, like `score` does
    assert lib.samples("a.json", SampleQuery())["count"] == 10
    assert lib.samples("a.json", SampleQuery(score="I"))["total"] == 0


def test_a_plain_json_log_is_served_from_memory(tmp_path: Path) -> None:
    write_log(tmp_path / "a.json", 12)
    data = json.loads((tmp_path / "a.json").read_text())
    (tmp_path / "hand.json").write_text(json.dumps(data, indent=2))
    (tmp_path / "other.json").write_text('{"not": "a log"}')
    lib = LogLibrary(tmp_path)
    assert sorted(r["id"] for r in lib.list_logs()) == ["a.json", "hand.json"]
    page = lib.samples("hand.json", SampleQuery(limit=5, offset=10))
    assert [r["id"] for r in page["items"]] == [11, 12]
    assert lib.samples("hand.json", SampleQuery(score="I"))["total"] == 2


def test_log_ids_cannot_leave_the_folder(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    write_log(tmp_path / "secret.json", 2)
    lib = LogLibrary(tmp_path / "logs")
    for bad in ("../secret.json", "/etc/passwd", "..\\secret.json", "missing.json", "x.txt"):
        with pytest.raises(NotFound):
            lib.header(bad)


def _get(url: str, path: str, host: str | None = None, method: str = "GET") -> tuple[int, Any, Any]:
    base = url.split("//", 1)[1].rstrip("/")
    conn = http.client.HTTPConnection(base, timeout=30)
    headers = {"Host": host} if host else {}
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    ctype = response.getheader("Content-Type") or ""
    data = json.loads(body) if ctype.startswith("application/json") and body else body
    return response.status, data, response


def test_http_api_serves_pages_and_rejects_what_it_must(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write_log(tmp_path / "sub" / "a b.json", 60)
    with BackgroundViewer(tmp_path) as viewer:
        url = viewer.url
        status, logs, _ = _get(url, "/api/logs")
        assert status == 200 and [r["id"] for r in logs] == ["sub/a b.json"]
        log_id = quote("sub/a b.json", safe="")
        status, header, _ = _get(url, f"/api/logs/{log_id}")
        assert status == 200 and header["sample_count"] == 60
        metrics = header["results"]["scores"][0]["metrics"]
        assert metrics["accuracy"]["value"] == pytest.approx(48 / 60)
        status, page, _ = _get(url, f"/api/logs/{log_id}/samples?offset=10&limit=5&score=I")
        assert status == 200 and [r["id"] for r in page["items"]] == [55, 60]
        assert page["total"] == 12
        status, one, _ = _get(url, f"/api/logs/{log_id}/samples/{page['items'][0]['n']}")
        assert status == 200 and one["id"] == 55 and one["scores"]["match"]["value"] == "I"
        assert _get(url, f"/api/logs/{log_id}/samples?offset=x")[0] == 400
        assert _get(url, f"/api/logs/{log_id}/samples?error=maybe")[0] == 400
        assert _get(url, f"/api/logs/{log_id}/samples/999")[0] == 404
        assert _get(url, "/api/logs/..%2F..%2Fetc%2Fpasswd")[0] == 404
        assert _get(url, "/api/logs", method="POST")[0] == 405
        # A page reached through another name (DNS rebinding) is refused.
        assert _get(url, "/api/logs", host="evil.example:80")[0] == 403
        status, body, response = _get(url, "/")
        assert status == 200 and b"assets/app.js" in body
        csp = response.getheader("Content-Security-Policy")
        assert "default-src 'self'" in csp and "connect-src 'self'" in csp
        assert _get(url, "/assets/app.css")[0] == 200
        assert _get(url, "/assets/..%2F_http.py")[0] == 404
        status, body, response = _get(url, "/", method="HEAD")
        assert status == 200 and body == b"" and int(response.getheader("Content-Length")) > 0


def test_view_command_serves_and_exports(tmp_path: Path, cli: Any) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALRUNNER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "view", "--log-dir", str(tmp_path / "logs"),
         "--port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("evalrunner view: http://127.0.0.1:"), line
        assert "not created yet" in line  # started before the first run
        url = line.split()[2]
        assert _get(url, "/api/logs")[1] == []
        write_log(tmp_path / "logs" / "a.json", 5)
        status, logs, _ = _get(url, "/api/logs")
        assert status == 200 and logs[0]["task"] == "arithmetic"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    result = cli("view", "--log-dir", str(tmp_path / "logs"), "--export", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert "exported 1 logs" in result.stdout
    data = (tmp_path / "site" / "data" / "l0" / "rows-0.js").read_text()
    assert data.startswith('evrData("l0/rows-0",') and data.isascii()
    assert 'content="static"' in (tmp_path / "site" / "index.html").read_text()
    missing = cli("view", "--log-dir", str(tmp_path / "nowhere"), "--export", str(tmp_path / "x"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    not_a_folder = cli("view", "--log-dir", str(tmp_path / "logs" / "a.json"))
    assert not_a_folder.returncode == 2 and "not a folder" in not_a_folder.stderr
