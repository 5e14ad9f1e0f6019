"""Scoring as Inspect scores: dict scores with per-key metrics, clustered stderr,
multi_scorer, `${{ model }}` per model, `@solver(name=)`, checked options."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import read_eval_log
from evalrunner.log._model import EvalLog
from evalrunner.registry import resolve
from evalrunner.scorers import Score
from tests.conftest import run_cli, write

COUNTS = """\
from evalrunner import Score, Target, TaskState, mean, scorer, stderr

@scorer(metrics={"a_count": [mean(), stderr()], "e_count": [mean()]})
def letters():
    async def score(state: TaskState, target: Target) -> Score:
        text = state.output.completion
        return Score(value={"a_count": text.count("a"), "e_count": text.count("e")})
    return score

@scorer(metrics=[mean()])
def letters_listed():
    async def score(state: TaskState, target: Target) -> Score:
        text = state.output.completion
        return Score(value={"a": text.count("a"), "e": text.count("e")})
    return score
"""

SUITE = """\
name: counting
model: mockllm/model
model_args: {echo: true}
tasks:
  - name: count
    dataset:
      samples: [{input: banana}, {input: tree}, {input: apple}]
    scorer: SCORER
"""


def _run(tmp_path: Path, suite_text: str, *args: str) -> EvalLog:
    write(tmp_path / "scorers.py", COUNTS)
    suite = write(tmp_path / "counting.yml", suite_text)
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"), "--max-samples",
                     "1", *args)
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    return read_eval_log(file)


def _figures(log: EvalLog) -> dict[str, Any]:
    assert log.results is not None
    return {f"{s.name}/{k}": m.value for s in log.results.scores for k, m in s.metrics.items()}


def test_dict_scores_with_metrics_by_key_run_end_to_end(tmp_path: Path) -> None:
    log = _run(tmp_path, SUITE.replace("SCORER", "scorers.py@letters"))
    assert log.status == "success" and log.results and log.results.completed_samples == 3
    # banana: a=3 e=0; tree: a=0 e=2; apple: a=1 e=1
    figures = _figures(log)
    assert figures["a_count/mean"] == pytest.approx(4 / 3)
    assert figures["e_count/mean"] == pytest.approx(1.0)
    assert "e_count/stderr" not in figures and figures["a_count/stderr"] > 0
    assert {s.scorer for s in log.results.scores} == {"letters"}


def test_dict_scores_with_a_list_of_metrics_apply_them_to_every_key(tmp_path: Path) -> None:
    log = _run(tmp_path, SUITE.replace("SCORER", "scorers.py@letters_listed"))
    assert _figures(log) == {"a/mean": pytest.approx(4 / 3), "e/mean": pytest.approx(1.0)}


def test_task_metrics_by_key_in_yaml_and_thresholds_on_them(tmp_path: Path) -> None:
    text = SUITE.replace("SCORER", "scorers.py@letters_listed") + (
        "    metrics:\n      a: [mean, stderr]\n      e: [{mean: {}}]\n"
        "    thresholds: {a/mean: 1.0}\n")
    log = _run(tmp_path, text)
    assert set(_figures(log)) == {"a/mean", "a/stderr", "e/mean"}
    assert [(m.name, m.key) for m in log.plan.metrics] == [
        ("mean", "a"), ("stderr", "a"), ("mean", "e")]
    bad = write(tmp_path / "bad.yml", text.replace("e: [{mean: {}}]", "e: [meen]"))
    result = run_cli("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:11:11: unknown metric 'meen'" in result.stderr
    typo = write(tmp_path / "typo.yml", text.replace("{a/mean: 1.0}", "{a/meen: 1.0}"))
    result = run_cli("validate", str(typo))
    assert result.returncode == 2 and f"{typo}:12:" in result.stderr
    assert "threshold 'a/meen'" in result.stderr and "did you mean 'a/mean'" in result.stderr


def test_epochs_reduce_dict_scores_per_key(tmp_path: Path) -> None:
    text = SUITE.replace("SCORER", "scorers.py@letters").replace(
        "    scorer:", "    epochs: {count: 2, reducer: max}\n    scorer:")
    log = _run(tmp_path, text)
    figures = _figures(log)
    assert set(figures) == {"a_count/max/mean", "a_count/max/stderr", "e_count/max/mean"}
    assert figures["a_count/max/mean"] == pytest.approx(4 / 3)


def _with(value: float, group: str) -> Score:
    return Score(value=value, metadata={"sample_metadata": {"doc": group}})


def test_clustered_stderr_by_hand() -> None:
    clustered = resolve("metric", "stderr").obj(cluster="doc")
    scores = [_with(1, "a"), _with(1, "a"), _with(0, "b"), _with(0, "b"), _with(1, "c")]
    # mean 0.6; residual sums: a 0.8, b -1.2, c 0.4; 3/2 * (0.64 + 1.44 + 0.16) / 25
    assert clustered(scores) == pytest.approx(math.sqrt(1.5 * 2.24 / 25))
    plain = resolve("metric", "stderr").obj()(scores)
    assert clustered(scores) > plain  # correlated answers are worth less than independent
    with pytest.raises(ValueError, match="no metadata field 'doc'"):
        clustered([*scores, Score(value=1)])


def test_clustered_stderr_from_yaml(tmp_path: Path) -> None:
    suite = write(tmp_path / "cluster.yml", """\
name: cluster
model: mockllm/model
tasks:
  - name: c
    dataset:
      samples:
        - {input: a, target: Default, metadata: {doc: x}}
        - {input: b, target: Default, metadata: {doc: x}}
        - {input: c, target: nope, metadata: {doc: y}}
        - {input: d, target: nope, metadata: {doc: z}}
    scorer: includes
    metrics: [accuracy, {stderr: {cluster: doc}}]
""")
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    # mean 0.5; residual sums x: 1.0, y: -0.5, z: -0.5; 3/2 * 1.5 / 16
    assert _figures(read_eval_log(file))["includes/stderr"] == pytest.approx(
        math.sqrt(1.5 * 1.5 / 16))


MULTI = """\
name: votes
model: mockllm/model
model_args: {echo: true}
tasks:
  - name: v
    dataset:
      samples: [{input: Paris, target: Paris}, {input: "paris, I think", target: Paris},
                {input: Lyon, target: Paris}]
    scorer:
      multi_scorer:
        scorers: [includes, {includes: {ignore_case: false}}, {match: {location: exact}}]
        reducer: REDUCER
"""


@pytest.mark.parametrize(("reducer", "expected"), [("mode", 1 / 3), ("max", 2 / 3),
                                                    ("mean", (1 + 1 / 3) / 3)])
def test_multi_scorer_reduces_the_scorers_scores(
    tmp_path: Path, reducer: str, expected: float
) -> None:
    suite = write(tmp_path / "votes.yml", MULTI.replace("REDUCER", reducer))
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"),
                     "--max-samples", "1")
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    log = read_eval_log(file)
    # Paris: C C C; "paris, I think": C I I; Lyon: I I I
    assert _figures(log)["multi_scorer/accuracy"] == pytest.approx(expected)
    first = next(s for s in log.samples or [] if s.input == "Paris")
    kept = first.scores["multi_scorer"].metadata["scores"]  # type: ignore[index]
    assert [k["value"] for k in kept] == ["C", "C", "C"]


def test_multi_scorer_entries_are_checked_where_written(tmp_path: Path) -> None:
    suite = write(tmp_path / "votes.yml", MULTI.replace("REDUCER", "mode").replace(
        "{match: {location: exact}}", "{mach: {location: exact}}"))
    result = run_cli("validate", str(suite))
    assert result.returncode == 2 and f"{suite}:10:" in result.stderr
    assert "mach" in result.stderr and "did you mean 'match'" in result.stderr


PER_MODEL = """\
name: per_model
model: [mockllm/alpha, mockllm/beta]
tasks:
  - name: t
    dataset: {samples: [{input: hi, target: x}]}
    plan:
      - system_message: ${{ 'ALPHA' if model == 'mockllm/alpha' else 'OTHER' }} for ${{ model }}
      - generate
    scorer: includes
"""


@pytest.mark.parametrize("given", [False, True])
def test_model_expressions_evaluate_per_model(tmp_path: Path, given: bool) -> None:
    suite = write(tmp_path / "per_model.yml", PER_MODEL)
    args = ["--model", "mockllm/alpha,mockllm/beta"] if given else []
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"), *args)
    assert result.returncode == 0, result.stderr
    systems = {}
    for file in (tmp_path / "logs").glob("*.json"):
        log = read_eval_log(file)
        assert log.eval.models == ["mockllm/alpha", "mockllm/beta"]
        [sample] = log.samples or []
        systems[log.eval.model] = sample.messages[0].text
    assert systems == {"mockllm/alpha": "ALPHA for mockllm/alpha",
                       "mockllm/beta": "OTHER for mockllm/beta"}


def test_a_solver_is_found_by_the_name_its_decorator_gives(tmp_path: Path) -> None:
    write(tmp_path / "solvers.py", (
        "from evalrunner import solver\n"
        "from evalrunner.model import ChatMessageUser\n\n"
        "@solver(name='shout')\n"
        "def make_it_loud():\n"
        "    async def solve(state, generate):\n"
        "        state.messages.append(ChatMessageUser(content='LOUDER'))\n"
        "        return state\n"
        "    return solve\n"
    ))
    suite = write(tmp_path / "named.yml", """\
name: named
model: mockllm/model
tasks:
  - name: t
    dataset: {samples: [{input: hi, target: x}]}
    plan: [solvers.py@shout, generate]
    scorer: includes
""")
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    [sample] = read_eval_log(file).samples or []
    assert [m.text for m in sample.messages][:2] == ["hi", "LOUDER"]


def test_log_level_values_are_checked(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", PER_MODEL)
    result = run_cli("run", str(suite), "--log-level", "verbose", "--log-dir",
                     str(tmp_path / "logs"))
    assert result.returncode == 2
    assert "--log-level: 'verbose' is not a log level" in result.stderr
    assert not (tmp_path / "logs").exists() or not list((tmp_path / "logs").iterdir())
    result = run_cli("retry", str(tmp_path), "--log-level", "loud")
    assert result.returncode == 2 and "--log-level: 'loud'" in result.stderr
    ok = run_cli("run", str(suite), "--log-level", "HTTP", "--log-dir", str(tmp_path / "l2"))
    assert ok.returncode == 0, ok.stderr


def test_batch_for_a_provider_without_a_batch_api_is_refused(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", PER_MODEL)
    result = run_cli("run", str(suite), "--model", "google/gemini-2.5-flash", "--batch",
                     "--log-dir", str(tmp_path / "logs"), env={"GOOGLE_API_KEY": "k"})
    assert result.returncode == 2
    assert "--batch: model 'google/gemini-2.5-flash': its provider has no batch API" in (
        result.stderr)
    config = write(tmp_path / "c.yml", PER_MODEL.replace(
        "tasks:", "config: {batch: true}\ntasks:"))
    result = run_cli("validate", str(config))
    assert result.returncode == 2 and "mockllm/alpha': its provider has no batch API" in (
        result.stderr)


def test_results_json_has_one_entry_per_key() -> None:
    from evalrunner.runner._results import ScoreBook, compute_results

    book = ScoreBook()
    from evalrunner.log._model import EvalSample

    for i, value in enumerate([{"x": 1, "y": "C"}, {"x": 3, "y": "I"}]):
        book.add(EvalSample(id=i, epoch=1, input="q", target="t",
                            scores={"s": Score(value=value)}))
    mean = resolve("metric", "mean").obj()
    accuracy = resolve("metric", "accuracy").obj()
    results = compute_results(book, {"s": {"x": [mean], "y": [accuracy]}}, ["mean"])
    assert json.loads(results.model_dump_json())["scores"][0]["name"] == "x"
    assert [(s.name, s.scorer, list(s.metrics)) for s in results.scores] == [
        ("x", "s", ["mean"]), ("y", "s", ["accuracy"])]
    assert results.scores[0].metrics["mean"].value == 2.0
    assert results.scores[1].metrics["accuracy"].value == 0.5


STOPPING = """\
name: stopping
model: mockllm/model
tasks:
  - name: s
    dataset: {samples: [{input: a, target: Default}, {input: b, target: nope}]}
    epochs: 6
    early_stopping: STOP
    scorer: includes
"""


def test_early_stopping_skips_decided_epochs_and_says_so_in_the_log(tmp_path: Path) -> None:
    suite = write(tmp_path / "stop.yml", STOPPING.replace("STOP", "{agree: 2}"))
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"),
                     "--max-samples", "1")
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    log = read_eval_log(file)
    assert log.status == "success"
    assert sorted((s.id, s.epoch) for s in log.samples or []) == [
        (1, 1), (1, 2), (2, 1), (2, 2)]
    summary = log.results.early_stopping if log.results else None
    assert summary is not None and summary["manager"] == "epochs_agree"
    assert len(summary["early_stops"]) == 8 and summary["metadata"] == {"agree": 2}
    assert {(s["id"], s["epoch"]) for s in summary["early_stops"]} == {
        (i, e) for i in (1, 2) for e in range(3, 7)}


def test_an_early_stopping_manager_from_python(tmp_path: Path) -> None:
    write(tmp_path / "stopping.py", (
        "from evalrunner.scorers import EarlyStop, EarlyStoppingSummary\n\n"
        "class OnlyFirst:\n"
        "    def __init__(self, keep):\n"
        "        self.keep, self.seen = keep, []\n"
        "    async def start_task(self, task, samples, epochs):\n"
        "        return 'only_first'\n"
        "    async def schedule_sample(self, id, epoch):\n"
        "        return None if epoch <= self.keep else EarlyStop(id=id, epoch=epoch)\n"
        "    async def complete_sample(self, id, epoch, scores):\n"
        "        self.seen.append((id, epoch, scores['includes'].value))\n"
        "    async def complete_task(self):\n"
        "        return EarlyStoppingSummary(manager='only_first',\n"
        "                                    metadata={'seen': len(self.seen)})\n\n"
        "def make(keep=1):\n"
        "    return OnlyFirst(keep)\n"
    ))
    suite = write(tmp_path / "stop.yml", STOPPING.replace("STOP", "{stopping.py@make: {keep: 3}}"))
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / "logs").glob("*.json"))
    log = read_eval_log(file)
    assert len(log.samples or []) == 6
    assert log.results and log.results.early_stopping
    assert log.results.early_stopping["metadata"] == {"seen": 6}
    bad = write(tmp_path / "bad.yml", STOPPING.replace("STOP", "stopping.py@mkae"))
    result = run_cli("validate", str(bad))
    assert result.returncode == 2 and f"{bad}:7:21:" in result.stderr and "mkae" in result.stderr
