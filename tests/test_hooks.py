"""Hooks: an entry-point plugin (the docs' CSV example) and an EVALRUNNER_HOOKS one are told
of every run, task and sample event; a hook that raises is logged and the run goes on."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

from evalrunner.log import read_eval_log
from tests.conftest import ROOT, run_cli, write
from tests.servers.openai_server import start_openai_server
from tests.servers.scripted_server import scripted_reply

RECORDER = '''
import json
import os

from evalrunner.hooks import Hooks


class Recorder(Hooks):
    def _write(self, event, **data):
        with open(os.environ["HOOK_EVENTS"], "a") as file:
            file.write(json.dumps({"event": event, **data}) + "\\n")

    async def on_run_start(self, data):
        self._write("run_start", run=data.run_id, tasks=data.tasks)

    async def on_task_start(self, data):
        self._write("task_start", run=data.run_id, task=data.log.eval.task,
                    model=data.log.eval.model)

    def on_sample_start(self, data):
        self._write("sample_start", run=data.run_id, id=data.sample.id, epoch=data.epoch)

    async def on_sample_end(self, data):
        self._write("sample_end", run=data.run_id, id=data.sample.id,
                    scores={k: v.value for k, v in data.sample.scores.items()})

    async def on_task_end(self, data):
        self._write("task_end", run=data.run_id, status=data.log.status)

    async def on_run_end(self, data):
        self._write("run_end", run=data.run_id, logs=len(data.logs))


class Broken(Hooks):
    async def on_sample_end(self, data):
        raise RuntimeError("the tracker is down")

    def on_task_end(self, data):
        raise ValueError("still down")
'''


def _docs_example() -> str:
    """The CSV hook exactly as docs/hooks.md shows it."""
    text = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n# my_hooks/csv_log.py\n(.*?)```", text, re.DOTALL)
    return code


def _install(site: Path) -> None:
    """A package with a dist-info on the path: how pip would register its entry points."""
    write(site / "my_hooks" / "__init__.py", "")
    write(site / "my_hooks" / "csv_log.py", _docs_example())
    info = site / "my_hooks-0.1.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: my-hooks\nVersion: 0.1\n")
    write(info / "entry_points.txt",
          "[evalrunner.hooks]\ncsv_task_log = my_hooks.csv_log:CsvTaskLog\n")


def test_hooks_see_every_event_and_never_fail_the_run(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _install(site)
    write(tmp_path / "recorder.py", RECORDER)
    write(tmp_path / "suite.yml", (
        "name: hooked\n"
        "tasks:\n"
        "  - name: sums\n"
        "    dataset: {samples: [{id: a, input: 'What is 1 + 2?', target: '3'},"
        " {id: b, input: 'What is 2 + 2?', target: '5'}]}\n"
        "    scorer: includes\n"
        "  - name: more\n"
        "    dataset: {samples: [{id: c, input: 'What is 3 + 3?', target: '6'}]}\n"
        "    scorer: includes\n"
    ))
    events, table = tmp_path / "events.jsonl", tmp_path / "results.csv"
    with start_openai_server(responder=scripted_reply) as server:
        result = run_cli(
            "run", str(tmp_path / "suite.yml"), "--model", "openai-api/test/m",
            "--log-dir", str(tmp_path / "logs"), "--display", "plain",
            env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
                 "PYTHONPATH": os.pathsep.join([str(ROOT), str(site)]),
                 "EVALRUNNER_HOOKS": f"{tmp_path / 'recorder.py'}@Recorder,"
                                     f"{tmp_path / 'recorder.py'}@Broken",
                 "HOOK_EVENTS": str(events), "EVAL_RESULTS_CSV": str(table)},
        )
    assert result.returncode == 0, result.stderr
    seen = [json.loads(line) for line in events.read_text().splitlines()]
    kinds = [e["event"] for e in seen]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end"
    assert seen[0]["tasks"] == ["sums", "more"] and seen[-1]["logs"] == 2
    assert len({e["run"] for e in seen}) == 1
    assert kinds.count("task_start") == kinds.count("task_end") == 2
    ends = {e["id"]: e["scores"] for e in seen if e["event"] == "sample_end"}
    assert ends == {"a": {"includes": "C"}, "b": {"includes": "I"}, "c": {"includes": "C"}}
    assert sorted(e["id"] for e in seen if e["event"] == "sample_start") == ["a", "b", "c"]
    # The docs' CSV hook, installed through its entry point: one line per task.
    with table.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted(r["task"] for r in rows) == ["more", "sums"]
    by_task = {r["task"]: r for r in rows}
    assert json.loads(by_task["sums"]["metrics"]) == {"includes/accuracy": 0.5,
                                                      "includes/stderr": 0.5}
    assert by_task["sums"]["status"] == "success" and by_task["sums"]["model"] == \
        "openai-api/test/m"
    assert Path(by_task["sums"]["log"]).exists()
    # The broken hook was logged (once per event) and nothing else happened.
    logs = [read_eval_log(p) for p in (tmp_path / "logs").glob("*.json")]
    assert all(log.status == "success" for log in logs)
    sums = next(log for log in logs if log.eval.task == "sums")
    warnings = [m.message for m in sums.logging if "Broken" in m.message]
    assert len([w for w in warnings if "on_sample_end" in w]) == 1
    assert "the tracker is down" in warnings[0]
