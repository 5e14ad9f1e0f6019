"""The scripted mockllm: replies from the suite or a file, per sample, checked at validate."""

from __future__ import annotations

from pathlib import Path

from tests.agent_runs import events_of, run_shipped
from tests.conftest import run_cli, write

PLAN = """
tasks:
  - name: t
    dataset:
      samples:
        - {id: a, input: "What is 2 + 3?", target: "5"}
        - {id: b, input: "What is 4 + 4?", target: "8"}
    plan: [{use_tools: think}, generate]
    scorer: includes
"""


def test_a_script_plays_tool_calls_and_texts_per_sample(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
model: mockllm/model
model_args:
  outputs:
    a:
      - {function: think, arguments: {thought: "2 + 3"}}
      - {content: "It is 5.", stop_reason: stop}
    "*": ["It is 8."]
""" + PLAN)
    log = run_shipped(suite, tmp_path, "--max-samples", "2", "--epochs", "2")["t"]
    for sample in log.samples:
        if sample.id == "a":  # each epoch plays the script from its start
            assert [e.tool_calls for e in events_of(sample, "model")] == [["think"], []]
            assert sample.output.completion == "It is 5."
        else:
            assert sample.output.completion == "It is 8."
        assert sample.scores["includes"].value == "C"
    assert len(log.samples) == 4


def test_a_script_that_runs_out_fails_the_sample_unless_told(tmp_path: Path) -> None:
    script = write(tmp_path / "script.yml", "- {function: think, arguments: {thought: hm}}\n")
    suite = write(tmp_path / "s.yml", "model: mockllm/model\n"
                  "model_args: {outputs: script.yml}\n" + PLAN)
    log = run_shipped(suite, tmp_path / "a", expect=1)["t"]
    error = log.samples[0].error
    assert error is not None and "the mockllm script ran out: it has 1 replies" in error.message
    # From the command line, with another rule for the end of the script.
    suite = write(tmp_path / "plain.yml", "model: mockllm/model\n" + PLAN)
    log = run_shipped(suite, tmp_path / "b", "-M", f"outputs={script}", "-M",
                      "when_done=default")["t"]
    assert log.samples[0].output.completion == "Default output from mockllm"


def test_a_bad_script_is_located_at_validate(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
model: mockllm/model
model_args:
  outputs:
    - {function: think, arguments: [not, a, mapping]}
    - {contents: typo}
""" + PLAN)
    result = run_cli("validate", str(suite))
    assert result.returncode == 2, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{suite}:5:5: model 'mockllm/model': mockllm script: ")
    assert "outputs[0].arguments: arguments must be a mapping" in first
    assert "outputs[1]: unknown key contents" in first

    write(tmp_path / "script.yml", "- ok\n- {tool_calls: [{arguments: {}}]}\n")
    suite = write(tmp_path / "f.yml", "model: mockllm/model\n"
                  "model_args: {outputs: script.yml, when_done: never}\n" + PLAN)
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    assert "mockllm when_done must be one of error, repeat_last, cycle, default" in result.stderr
    suite.write_text(suite.read_text().replace(", when_done: never", ""))
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    assert f"{tmp_path / 'script.yml'}:2:17: a tool call needs function" in result.stderr
    suite.write_text(suite.read_text().replace("script.yml", "missing.yml"))
    assert "mockllm script file 'missing.yml' not found" in run_cli("validate",
                                                                    str(suite)).stderr


def test_the_script_belongs_to_the_suites_model(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", "model: mockllm/model\n"
                  "model_args: {outputs: [It is 5.]}\n" + PLAN)
    log = run_shipped(suite, tmp_path, "--model", "mockllm/other")["t"]
    assert log.samples[0].output.completion == "Default output from mockllm"
    assert log.eval.model_args == {}
