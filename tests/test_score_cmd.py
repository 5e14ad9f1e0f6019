"""`run --no-score` then `evalrunner score`: a scored run's results, no evaluated-model call."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import evalrunner
from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server

DATA = "\n".join(
    f'{{"id": {i}, "input": "What is {i} + {i}?", "target": "{2 * i}", '
    f'"metadata": {{"size": "{"small" if i < 4 else "big"}"}}}}'
    for i in range(1, 7)
)


def _respond(body: dict[str, Any]) -> str:
    """The subject answers right except for 5 + 5; the grader checks the sum it is shown."""
    text = str(body["messages"][-1]["content"])
    if body["model"] == "grader":
        task = re.search(r"\[Task\]: What is (\d+) \+ \d+\?", text)
        said = re.search(r"\[Submission\]: The answer is (\d+)\.", text)
        right = bool(task and said and int(said[1]) == 2 * int(task[1]))
        return "Checked the sum.\nGRADE: " + ("C" if right else "I")
    found = re.search(r"(\d+) \+ (\d+)", text)
    assert found, text
    total = int(found[1]) + int(found[2])
    return f"The answer is {total + 1 if total == 10 else total}."


def _suite(tmp_path: Path) -> Path:
    write(tmp_path / "data.jsonl", DATA + "\n")
    return write(
        tmp_path / "sums.yml",
        "name: sums\n"
        "model: openai-api/test/subject\n"
        "model_roles: {grader: openai-api/test/grader}\n"
        "tasks:\n"
        "  - name: sums\n"
        "    dataset: {path: data.jsonl}\n"
        "    scorer:\n"
        "      - model_graded_qa: {model: grader}\n"
        "      - {match: {numeric: true}}\n"
        "    metrics: [accuracy, {grouped: {by: size}}]\n",
    )


def _env(server: ServerHandle) -> dict[str, str]:
    return {"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"}


def _run(tmp_path: Path, server: ServerHandle, logs: str, *extra: str) -> Path:
    result = run_cli("run", str(_suite(tmp_path)), "--log-dir", str(tmp_path / logs), *extra,
                     env=_env(server))
    assert result.returncode == 0, result.stderr
    [file] = list((tmp_path / logs).glob("*.json"))
    return file


def _figures(log: EvalLog) -> dict[str, dict[str, Any]]:
    assert log.results is not None
    return {s.name: {k: m.value for k, m in s.metrics.items()} for s in log.results.scores}


def _values(log: EvalLog) -> dict[Any, dict[str, Any]]:
    return {s.id: {k: v.value for k, v in s.scores.items()} for s in log.samples}


def test_no_score_then_score_equals_a_scored_run(tmp_path: Path) -> None:
    with start_openai_server(responder=_respond) as server:
        scored = read_eval_log(_run(tmp_path, server, "scored"))
        unscored_file = _run(tmp_path, server, "unscored", "--no-score")
        unscored = read_eval_log(unscored_file)
        assert all(not s.scores for s in unscored.samples)
        before = len(server.requests)
        result = run_cli("score", str(unscored_file), env=_env(server))
        assert result.returncode == 0, result.stderr
        asked = [r.body["model"] for r in server.requests[before:]]
    assert asked == ["grader"] * 6  # the grader only: the subject is never asked again
    rescored = read_eval_log(unscored_file)  # overwritten in place by default
    assert _figures(rescored) == _figures(scored)
    assert _values(rescored) == _values(scored)
    figures = _figures(scored)
    assert figures["model_graded_qa"]["accuracy"] == 5 / 6
    assert figures["match"]["accuracy/small"] == 1.0 and figures["match"]["accuracy/big"] == 2 / 3
    graded = next(s for s in rescored.samples if s.id == 1).scores["model_graded_qa"]
    assert graded.explanation == "Checked the sum.\nGRADE: C"
    assert graded.metadata and graded.metadata["grading"][0]["messages"][0]["role"] == "user"
    assert "model_graded_qa: accuracy=0.833" in result.stdout
    # Scored by streaming into a new file that replaced the old one: nothing left beside it.
    assert sorted(p.name for p in unscored_file.parent.iterdir()) == [unscored_file.name]
    assert rescored.eval == unscored.eval and rescored.status == "success"


def test_a_scoring_that_fails_leaves_the_log_untouched(tmp_path: Path) -> None:
    with start_openai_server(responder=_respond) as server:
        unscored_file = _run(tmp_path, server, "unscored", "--no-score")
    before = unscored_file.read_bytes()
    write(tmp_path / "bad.py", (
        "from evalrunner import scorer, accuracy\n\n"
        "@scorer(metrics=[accuracy()])\n"
        "def boom():\n"
        "    async def score(state, target):\n"
        "        raise SystemExit('the scorer pulled the plug')\n"
        "    return score\n"
    ))
    result = run_cli("score", str(unscored_file), "--scorer", f"{tmp_path / 'bad.py'}@boom")
    assert result.returncode != 0
    assert unscored_file.read_bytes() == before
    assert sorted(p.name for p in unscored_file.parent.iterdir()) == [unscored_file.name]


def test_no_overwrite_writes_a_scored_copy_once(tmp_path: Path) -> None:
    with start_openai_server(responder=_respond) as server:
        file = _run(tmp_path, server, "logs", "--no-score")
        original = file.read_bytes()
        result = run_cli("score", str(file), "--no-overwrite", "--scorer", "includes",
                         env=_env(server))
        assert result.returncode == 0, result.stderr
        copy = file.with_name(file.stem + "-scored.json")
        assert file.read_bytes() == original and copy.exists()
        # A log that already has the suffix is scored in place, not suffixed again.
        again = run_cli("score", str(copy), "--no-overwrite", "--scorer", "exact",
                        env=_env(server))
        assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (tmp_path / "logs").glob("*.json")) == sorted(
        [file.name, copy.name]
    )
    assert set(read_eval_log(copy).samples[0].scores) == {"exact"}


def test_score_with_other_scorers_touches_no_model(tmp_path: Path) -> None:
    with start_openai_server(responder=_respond) as server:
        file = _run(tmp_path, server, "logs")
        before = len(server.requests)
        result = run_cli("score", str(file), "--scorer", "match:numeric=true,location=any",
                         "--scorer", "includes", env=_env(server))
        assert result.returncode == 0, result.stderr
        assert len(server.requests) == before
    log = read_eval_log(file)
    assert [s.name for s in log.plan.scorers] == ["match", "includes"]
    assert log.plan.scorers[0].args == {"numeric": True, "location": "any"}
    figures = _figures(log)
    assert figures["match"]["accuracy"] == 5 / 6 and figures["includes"]["accuracy"] == 5 / 6
    assert set(log.samples[0].scores) == {"match", "includes"}


def test_score_with_a_grader_given_on_the_command_line(tmp_path: Path) -> None:
    with start_openai_server(responder=_respond) as server:
        file = _run(tmp_path, server, "logs", "--no-score")
        before = len(server.requests)
        result = run_cli("score", str(file), "--scorer",
                         "model_graded_qa:{model: openai-api/test/grader}", env=_env(server))
        assert result.returncode == 0, result.stderr
        assert [r.body["model"] for r in server.requests[before:]] == ["grader"] * 6
    assert _figures(read_eval_log(file))["model_graded_qa"]["accuracy"] == 5 / 6


def test_score_bad_input(tmp_path: Path) -> None:
    missing = run_cli("score", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read the log" in missing.stderr
    with start_openai_server(responder=_respond) as server:
        file = _run(tmp_path, server, "logs", "--no-score")
    unknown = run_cli("score", str(file), "--scorer", "incldues")
    assert unknown.returncode == 2 and "did you mean 'includes'" in unknown.stderr
    bad_arg = run_cli("score", str(file), "--scorer", "match:nope=1")
    assert bad_arg.returncode == 2 and "nope" in bad_arg.stderr


def test_python_score_returns_a_new_log(tmp_path: Path) -> None:
    from evalrunner.registry import resolve

    with start_openai_server(responder=_respond) as server:
        file = _run(tmp_path, server, "logs", "--no-score")
    log = read_eval_log(file)
    scored = evalrunner.score(log, resolve("scorer", "includes").obj())
    assert all(not s.scores for s in log.samples)  # the given log is left as it was
    assert _figures(scored)["includes"]["accuracy"] == 5 / 6
    from_file = evalrunner.score(str(file), [resolve("scorer", "exact").obj()])
    assert _figures(from_file)["exact"]["accuracy"] == 0.0  # "The answer is 2." is not "2"


def test_score_applies_the_runs_thresholds(tmp_path: Path) -> None:
    from evalrunner.log import write_eval_log

    with start_openai_server(responder=_respond) as server:
        # Unscored, the run cannot miss its gate: the gate waits for `score`.
        file = _run(tmp_path, server, "logs", "--no-score", "--fail-under", "accuracy=0.99")
        assert read_eval_log(file).eval.thresholds == {"accuracy": 0.99}
        result = run_cli("score", str(file), env=_env(server))
        assert result.returncode == 1 and "accuracy" in result.stderr
    log = read_eval_log(file)
    log.eval.thresholds = {"includes/accuracy": 0.9}
    write_eval_log(log, file)
    result = run_cli("score", str(file), "--scorer", "includes")
    assert result.returncode == 1
    assert "threshold missed: includes/accuracy = 0.8333 < 0.9" in result.stderr
    assert read_eval_log(file).results.missed_thresholds  # type: ignore[union-attr]
