"""Results that used to be silently wrong: metrics given stripped scores, no grade stored
as a wrong answer, a user's component replacing a built-in, templates that send their
braces, an Azure key taking over OpenAI calls, secrets in base URLs and cache files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, echo, start_openai_server


def _reply(body: dict[str, Any]) -> str:
    text = echo(body)
    if "GRADE" in text:  # a grading prompt: no grade for the undecidable one
        return "I really cannot tell." if "undecidable" in text else "GRADE: C"
    return text


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=_reply) as handle:
        yield handle


def run(server: ServerHandle, suite: Path, tmp_path: Path, *extra: str,
        env: dict[str, str] | None = None) -> EvalLog:
    result = run_cli(
        "run", str(suite), "--model", "openai-api/test/small", "--log-dir", str(tmp_path / "logs"),
        "--display", "plain", *extra,
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key", **(env or {})},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    return read_eval_log(log_file)


def test_metrics_receive_the_whole_score(server: ServerHandle, tmp_path: Path) -> None:
    write(tmp_path / "custom.py", '''
from evalrunner import Score, metric, scorer

@scorer(metrics=[])
def weighed():
    async def score(state, target):
        return Score(value=1, answer="the answer", explanation="why",
                     metadata={"weight": len(state.output.completion)})
    return score

@metric
def mean_weight():
    def compute(scores):
        assert all(s.answer == "the answer" and s.explanation == "why" for s in scores)
        return sum(s.metadata["weight"] for s in scores) / len(scores)
    return compute
''')
    suite = write(tmp_path / "s.yml", """
tasks:
  - dataset: {samples: [{input: abcd}, {input: abcdef}]}
    plan: [generate]
    scorer: custom.py@weighed
    metrics: [custom.py@mean_weight]
""")
    log = run(server, suite, tmp_path)
    assert log.results is not None
    (score,) = log.results.scores
    assert score.metrics["mean_weight"].value == 5.0


def test_no_grade_is_stored_as_unscored_and_left_out_of_metrics(
    server: ServerHandle, tmp_path: Path
) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - dataset:
      samples:
        - {id: clear, input: "Capital of France?", target: Paris}
        - {id: vague, input: "An undecidable question", target: Paris}
    plan: [generate]
    scorer: {model_graded_qa: {model: openai-api/test/grader}}
""")
    log = run(server, suite, tmp_path)
    (log_file,) = (tmp_path / "logs").glob("*.json")
    written = {s["id"]: s for s in _samples(log_file)}
    vague = written["vague"]["scores"]["model_graded_qa"]
    # No value at all (not "I"), and the flag readers of older logs know.
    assert vague.get("value") is None and vague["metadata"]["unscored"] is True
    assert log.samples[1].scores["model_graded_qa"].unscored
    assert written["clear"]["scores"]["model_graded_qa"]["value"] == "C"
    assert log.results is not None
    (score,) = log.results.scores
    assert (score.scored_samples, score.unscored_samples) == (1, 1)
    assert score.metrics["accuracy"].value == 1.0  # the unscored sample takes no part


def _samples(log_file: Path) -> list[dict[str, Any]]:
    return list(json.loads(log_file.read_text())["samples"])


def test_a_users_scorer_named_like_a_builtin_does_not_replace_it(
    server: ServerHandle, tmp_path: Path
) -> None:
    write(tmp_path / "mine.py", '''
from evalrunner import Score, scorer

@scorer(metrics=[])
def match():
    async def score(state, target):
        return Score(value="C", explanation="mine")
    return score
''')
    suite = write(tmp_path / "s.yml", """
tasks:
  - name: first  # the built-in scorers are loaded by now
    dataset: {samples: [{input: "one", target: "one"}]}
    plan: [generate]
    scorer: includes
  - name: custom
    dataset: {samples: [{input: "one", target: "two"}]}
    plan: [generate]
    scorer: mine.py@match
  - name: builtin
    dataset: {samples: [{input: "one", target: "two"}]}
    plan: [generate]
    scorer: match
""")
    result = run_cli("run", str(suite), "--model", "openai-api/test/small", "--log-dir",
                     str(tmp_path / "logs"), "--display", "plain",
                     env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"})
    assert result.returncode == 0, result.stderr
    logs = {log.eval.task: log for log in map(read_eval_log, (tmp_path / "logs").glob("*"))}
    custom = read_eval_log(str(logs["custom"].location))
    builtin = read_eval_log(str(logs["builtin"].location))
    assert custom.samples[0].scores["match"].explanation == "mine"
    assert builtin.samples[0].scores["match"].value == "I"  # "one" does not match "two"


def test_inspect_style_braces_are_a_located_error(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - dataset: {samples: [{input: x, target: y, metadata: {topic: t}}]}
    plan:
      - prompt_template: "Topic {topic}. Answer this: {prompt}"
      - prompt_template: 'JSON such as {"a": 1} and {not_a_variable} is fine: {{ prompt }}'
      - generate
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2, result.stdout
    lines = [line for line in result.stderr.splitlines() if "sent as written" in line]
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"{suite}:5:")
    assert "'{topic}'" in lines[0] and "write '{{ topic }}'" in lines[0]
    assert "'{prompt}'" in lines[1] and "write '{{ prompt }}'" in lines[1]


def test_a_params_template_where_interpolation_was_meant(tmp_path: Path) -> None:
    write(tmp_path / "devops.txt", "You are a DevOps engineer.\n")
    suite = write(tmp_path / "s.yml", """
params: {system: devops.txt, plain: Be brief.}
tasks:
  - dataset: {samples: [{input: x}]}
    plan:
      - system_message: "{{ params.system }}"
      - system_message: "{{ params.plain }}"
      - system_message: "${{ params.system }}"
      - generate
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if ": " in line and "error" not in line]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"{suite}:6:")
    assert "sends the text 'devops.txt' as it is" in errors[0]
    assert "write '${{ params.system }}'" in errors[0]
