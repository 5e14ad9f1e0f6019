"""Hand edits of scores (`edit_score`, `evalrunner score edit`) with history and metrics
computed again; `messages_df` and `events_df`; params columns; a folder is every run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalrunner.analysis import compare_logs
from evalrunner.log import ProvenanceData, ScoreEdit, edit_score, read_eval_log
from tests.arith_suite import answer_wrong_on, make_suite, server_env
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two prompt variants of one task (params `style`), and the same suite as `.eval`."""
    folder = tmp_path_factory.mktemp("variants")
    make_suite(folder, n=4)  # its dataset
    suite = write(folder / "v.yml", """
name: variants
model: openai-api/test/small
params: {style: terse}
tasks:
  - name: sums
    dataset: {path: arith.jsonl}
    plan:
      - system_message: "Answer in a ${{ params.style }} way."
      - generate
    scorer: {match: {numeric: true, location: any}}
    metrics: [accuracy]
""")
    with start_openai_server(responder=answer_wrong_on({3})) as server:
        for style in ("terse", "chatty"):
            result = run_cli("run", str(suite), "-T", f"style={style}", "--log-dir",
                             str(folder / "logs"), env=server_env(server.url))
            assert result.returncode == 0, result.stderr
        result = run_cli("run", str(suite), "--log-dir", str(folder / "eval"), "--log-format",
                         "eval", env=server_env(server.url))
        assert result.returncode == 0, result.stderr
    return folder


def test_score_edit_keeps_history_and_recomputes_metrics(variants: Path) -> None:
    (log_file,) = (variants / "eval").glob("*.eval")
    before = read_eval_log(log_file)
    assert before.results is not None
    assert before.results.scores[0].metrics["accuracy"].value == 0.75
    result = run_cli("score", "edit", str(log_file), "--sample-id", "3", "--scorer", "match",
                     "--value", "C", "--reason", "the grader missed a unit", "--author", "ana")
    assert result.returncode == 0, result.stdout + result.stderr
    log = read_eval_log(log_file)
    assert log.results is not None and log.results.scores[0].metrics["accuracy"].value == 1.0
    score = next(s for s in log.samples if s.id == 3).scores["match"]
    assert score.value == "C"
    assert score.history is not None and [h["value"] for h in score.history] == ["I", "C"]
    assert score.history[1]["provenance"]["author"] == "ana"
    assert score.history[1]["provenance"]["reason"] == "the grader missed a unit"
    inspect_log = pytest.importorskip("inspect_ai.log", reason="inspect-ai is not installed")
    theirs = inspect_log.read_eval_log(str(log_file))
    edited = next(s for s in theirs.samples if s.id == 3)
    assert edited.scores is not None and edited.scores["match"].value == "C"
    assert [h.value for h in edited.scores["match"].history] == ["I", "C"]
    assert theirs.results is not None
    assert theirs.results.scores[0].metrics["accuracy"].value == 1.0


def test_edit_score_in_python_and_its_errors(variants: Path) -> None:
    log_file = sorted((variants / "logs").glob("*.json"))[0]
    log = read_eval_log(log_file)
    edit_score(log, 1, "match", ScoreEdit(value="I", provenance=ProvenanceData(author="b")))
    assert log.results is not None and log.results.scores[0].metrics["accuracy"].value == 0.5
    edit_score(log, 1, "review", ScoreEdit(value=1), recompute_metrics=False)  # a new score
    assert next(s for s in log.samples if s.id == 1).scores["review"].value == 1
    with pytest.raises(ValueError, match="no sample 99"):
        edit_score(log, 99, "match", ScoreEdit(value="C"))
    with pytest.raises(ValueError, match="without a value"):
        edit_score(log, 2, "other", ScoreEdit(explanation="x"))
    bad = run_cli("score", "edit", str(log_file), "--sample-id", "1", "--scorer", "match",
                  "--reason", "r")
    assert bad.returncode == 2 and "--value" in bad.stderr


def test_a_folder_is_every_run_with_params_columns(variants: Path) -> None:
    pytest.importorskip("pandas", reason="the analysis extra is not installed")
    from evalrunner.analysis import evals_df, events_df, messages_df, samples_df

    logs = variants / "logs"
    runs = evals_df(logs)
    assert sorted(runs["params/style"]) == ["chatty", "terse"]
    assert len(evals_df(logs, latest=True)) == 1
    samples = samples_df(logs)
    assert len(samples) == 8 and set(samples["params/style"]) == {"terse", "chatty"}
    messages = messages_df(logs)
    first = messages[messages["id"] == 1]
    assert list(first[first["run_id"] == runs["run_id"][0]]["role"]) == [
        "system", "user", "assistant"]
    assert "Answer in a" in messages[messages["role"] == "system"]["content"].iloc[0]
    events = events_df(logs)
    models = events[events["event"] == "model"]
    assert len(models) == 8 and set(models["usage/input_tokens"]) and models["time"].notna().all()
    # export and compare: both variants, told apart by their params
    rows = [json.loads(line) for line in run_cli(
        "export", str(logs), "--format", "jsonl").stdout.splitlines()]
    assert len(rows) == 8
    assert len(run_cli("export", str(logs), "--format", "jsonl", "--latest").stdout
               .splitlines()) == 4
    (task,), errors = compare_logs([logs])
    assert not errors and sorted(r.label for r in task.runs) == [
        "openai-api/test/small [style=chatty]", "openai-api/test/small [style=terse]"]
