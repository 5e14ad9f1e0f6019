"""Logs written with `--log-format eval`, read by Inspect's own reader (inspect-ai, a dev
dependency) and by evalrunner's: a plain task, a bwrap agent with approval and a limit,
errors, a two-model run, and a killed run finished by `retry`."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import read_eval_log
from tests.arith_suite import answer_wrong_on, make_suite, server_env, start_run
from tests.conftest import ROOT, run_cli, write
from tests.sandboxes import needs_bwrap
from tests.servers.openai_server import start_openai_server

inspect_log = pytest.importorskip(
    "inspect_ai.log", reason="inspect-ai is not installed (pip install -e '.[dev]')")

MODEL = "openai-api/test/small"
SEARCH = "grep -rhoa 'FLAG{[^}]*}' . /tmp 2>/dev/null | head -n 1 | tee answer.txt"


def run_eval(suite: Path, logs: Path, url: str, *extra: str, expect: int = 0) -> list[Path]:
    result = run_cli("run", str(suite), "--log-dir", str(logs), "--log-format", "eval",
                     "--display", "plain", *extra, env=server_env(url), timeout=300)
    assert result.returncode == expect, result.stdout + result.stderr
    files = sorted(logs.glob("*.eval"))
    assert files and not list(logs.glob("*.json"))
    return files


def events(sample: Any, kind: str) -> list[Any]:
    return [e for e in sample.events if e.event == kind]


def test_plain_task(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=6)
    with start_openai_server(responder=answer_wrong_on({2})) as server:
        (path,) = run_eval(suite, tmp_path / "logs", server.url)
    log = inspect_log.read_eval_log(str(path))
    assert log.status == "success" and log.eval.task == "sums" and log.eval.model == MODEL
    assert [s.id for s in sorted(log.samples, key=lambda s: int(s.id))] == [1, 2, 3, 4, 5, 6]
    assert log.results is not None and log.results.total_samples == 6
    assert log.results.scores[0].metrics["accuracy"].value == pytest.approx(5 / 6)
    by_id = {int(s.id): s for s in log.samples}
    assert by_id[2].scores["match"].value == "I" and by_id[3].scores["match"].value == "C"
    (model,) = events(by_id[3], "model")
    # The whole call: the messages as sent, the config, the reply, the request and response
    assert [m.role for m in model.input] == ["system", "user"]
    assert model.input[1].text == "What is 3 + 3?"
    assert model.output.completion == "The answer is 6."
    assert model.call is not None and model.call.request["messages"][1]["content"]
    assert model.call.response is not None and model.call.response["choices"]
    assert events(by_id[3], "score")[0].score.value == "C"
    assert not events(by_id[3], "sample_limit")
    # Inspect's summaries and evalrunner's reader agree with the samples
    summaries = inspect_log.read_eval_log_sample_summaries(str(path))
    assert sorted(int(s.id) for s in summaries) == [1, 2, 3, 4, 5, 6]
    ours = read_eval_log(path)
    assert ours.status == "success" and len(ours.samples) == 6
    assert ours.eval.stamp.suite_hash  # evalrunner's own header rides along
    mine = next(s for s in ours.samples if s.id == 3)
    (event,) = [e for e in mine.events if e.event == "model"]
    assert event.input and event.reply is not None and event.call is not None


@needs_bwrap()
def test_bwrap_agent_with_approval_and_a_limit(tmp_path: Path) -> None:
    agents = ROOT / "suites" / "agents"
    # mockllm plays the agent (as suites/agents/ctf.yml does): bash finds the flag and
    # writes answer.txt, text_editor is rejected, the turn limit stops the third turn.
    suite = write(tmp_path / "ctf.yml", f"""
name: ctf
model: mockllm/model
model_args:
  outputs:
    - {{function: bash, arguments: {{cmd: "{SEARCH}"}}}}
    - {{function: text_editor, arguments: {{command: view, path: answer.txt}}}}
    - {{function: submit, arguments: {{answer: done}}}}
tasks:
  - name: ctf_bwrap
    sandbox: {{type: bwrap, memory: 512m, pids: 256}}
    dataset: {{path: {agents / 'data' / 'ctf.jsonl'}}}
    approval: {{bash: auto, "*": {{reject: {{explanation: not now}}}}}}
    plan:
      - basic_agent:
          init: {{system_message: Find the flag.}}
          tools: [bash, text_editor]
    scorer: {agents / 'ctf.py'}@flag_file
""")
    (path,) = run_eval(suite, tmp_path / "logs", "", "--turn-limit", "2")
    log = inspect_log.read_eval_log(str(path))
    assert log.status == "success" and len(log.samples) == 3
    for sample in log.samples:
        assert sample.limit is not None and sample.limit.type == "turn"
        (limit,) = events(sample, "sample_limit")
        assert limit.type == "turn" and limit.limit == 2
        decisions = {(e.call.function, e.decision) for e in events(sample, "approval")}
        assert decisions == {("bash", "approve"), ("text_editor", "reject")}
        bash, editor = events(sample, "tool")
        assert bash.function == "bash" and "FLAG{" in str(bash.result) and bash.error is None
        assert editor.error is not None and "not now" in editor.error.message
        assert bash.working_time is not None
        # The sandbox event shows the command run (not the bubblewrap command line)
        assert any("grep" in (e.cmd or "") for e in events(sample, "sandbox"))
        models = events(sample, "model")
        assert len(models) == 2 and {t.name for t in models[0].tools} >= {"bash", "submit"}
        assert sample.scores is not None and sample.scores["flag_file"].value == "C"
    ours = read_eval_log(path)
    assert all(s.limit == "turns" for s in ours.samples)  # evalrunner's own name is kept


def test_errors(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=3)
    with start_openai_server(responder=answer_wrong_on(), context_limit=1) as server:
        (path,) = run_eval(suite, tmp_path / "logs", server.url, expect=1)
    log = inspect_log.read_eval_log(str(path))
    assert log.status == "error" and log.error is not None
    errored = [s for s in log.samples if s.error is not None]
    assert errored and "context length" in errored[0].error.message
    assert events(errored[0], "model")[0].error


def test_two_models(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=3)
    with start_openai_server(responder=answer_wrong_on()) as server:
        paths = run_eval(suite, tmp_path / "logs", server.url, "--model",
                         f"{MODEL},openai-api/test/large")
    logs = [inspect_log.read_eval_log(str(p)) for p in paths]
    assert sorted(log.eval.model for log in logs) == ["openai-api/test/large", MODEL]
    for log in logs:
        assert len(log.samples) == 3 and log.results is not None
        assert all(events(s, "model")[0].model == log.eval.model for s in log.samples)


def test_killed_run_is_readable_and_retry_finishes_it(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=12)
    logs = tmp_path / "logs"
    with start_openai_server(responder=answer_wrong_on(), latency=0.25) as server:
        proc = start_run([str(suite), "--log-dir", str(logs), "--log-format", "eval",
                          "--max-connections", "2"], server_env(server.url))
        deadline = time.monotonic() + 60
        while True:
            files = list(logs.glob("*.eval"))
            if files and len(read_eval_log(files[0]).samples) >= 4:
                break
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        (killed,) = logs.glob("*.eval")
        cut = read_eval_log(killed)
        assert cut.status == "started" and 4 <= len(cut.samples) < 12
        # Inspect's reader opens it too: the header from its journal, the samples
        # written up to the last checkpoint.
        partial = inspect_log.read_eval_log(str(killed))
        assert partial.status == "started" and partial.eval.task == "sums"

        result = run_cli("retry", str(killed), env=server_env(server.url))
        assert result.returncode == 0, result.stderr
    (retried,) = set(logs.glob("*.eval")) - {killed}
    log = inspect_log.read_eval_log(str(retried))
    assert log.status == "success" and len(log.samples) == 12
    assert sorted(int(s.id) for s in log.samples) == list(range(1, 13))
    assert all(s.scores is not None and s.scores["match"].value == "C" for s in log.samples)
    assert all(events(s, "model") for s in log.samples)  # carried samples keep their events
    assert read_eval_log(retried).eval.retry_of == [str(killed)]


def test_retries_and_waits_are_in_the_model_event(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=1)
    with start_openai_server(responder=answer_wrong_on(), fail_500=1,
                             retry_after="1") as server:
        (path,) = run_eval(suite, tmp_path / "logs", server.url)
    (sample,) = inspect_log.read_eval_log(str(path)).samples
    (model,) = events(sample, "model")
    assert model.retries == 1 and model.output.completion == "The answer is 2."
    assert model.metadata is not None and model.metadata["waited"] >= 1  # the back-off


def test_shards_merged_into_one_eval_log(tmp_path: Path) -> None:
    suite = make_suite(tmp_path, n=5)
    with start_openai_server(responder=answer_wrong_on({4})) as server:
        for i in (1, 2):
            run_eval(suite, tmp_path / "shards", server.url, "--shard", f"{i}/2")
    result = run_cli("logs", "merge", str(tmp_path / "shards"))
    assert result.returncode == 0, result.stdout + result.stderr
    merged = [p for p in (tmp_path / "shards").glob("*.eval")
              if read_eval_log(p, header_only=True).eval.merged_from]
    (path,) = merged
    log = inspect_log.read_eval_log(str(path))
    assert log.status == "success" and len(log.samples) == 5
    assert log.results is not None
    assert log.results.scores[0].metrics["accuracy"].value == pytest.approx(0.8)
