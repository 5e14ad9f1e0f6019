"""What would fail at setup fails before the run: located, every error at once, exit 2.

`validate` and `run` (before its first model call) build every model, role, config,
component, template and threshold as the run does, and read local datasets to the end.
Each test here reproduces a case that passed `validate` and then failed the run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server

HEAD = """name: s
model: {model}
tasks:
  - name: t
    dataset: {{samples: [{{input: "say hi", target: "hi"}}]}}
"""


GRADED = "    plan: [generate]\n    scorer: {model_graded_fact: {model: grader}}\n"


def suite(tmp_path: Path, body: str = "", model: str = "mockllm/model", name: str = "s.yml"
          ) -> Path:
    return write(tmp_path / name, HEAD.format(model=model) + body)


def both(path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run validate and run; both must exit 2 with the same errors, no traceback, no log."""
    checked = run_cli("validate", str(path), env=env)
    logs = path.parent / "logs"
    ran = run_cli("run", str(path), "--log-dir", str(logs), *args, env=env)
    for result in (checked, ran):
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    assert not logs.exists() or not list(logs.glob("*.json"))
    errors = checked.stderr.rsplit("\n", 2)[0]  # without the "N errors" line
    assert errors.strip() in ran.stderr
    return errors


@pytest.fixture(scope="module")
def server() -> ServerHandle:
    with start_openai_server(responder=lambda body: "GRADE: C") as handle:
        yield handle  # type: ignore[misc]


def server_env(server: ServerHandle) -> dict[str, str]:
    return {"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"}


# Model names -------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "message"), [
    ("gpt4", "--model: model 'gpt4' is not of the form provider/name"),
    ("nosuchprov/x", "--model: unknown model provider 'nosuchprov' (in 'nosuchprov/x')"),
    ("openai-api/fake", "--model: model 'openai-api/fake' is not of the form "
                        "openai-api/<service>/<model>"),
    ("locl/smollm2", "did you mean 'local/smollm2'?"),
])
def test_bad_model_names_stop_the_run(tmp_path: Path, model: str, message: str) -> None:
    path = suite(tmp_path, "    plan: [generate]\n    scorer: match\n")
    result = run_cli("run", str(path), "--model", model, "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "logs").exists()


def test_a_suite_model_with_a_typo_is_located_with_a_suggestion(tmp_path: Path) -> None:
    path = suite(tmp_path, "    plan: [generate]\n", model="locl/smollm2")
    errors = both(path)
    assert errors == (f"{path}:2:8: model 'locl/smollm2': unknown model provider 'locl' "
                      "(in 'locl/smollm2') (did you mean 'local/smollm2'?)")


def test_a_role_with_a_bad_model_on_the_command_line(tmp_path: Path) -> None:
    path = suite(tmp_path, GRADED)
    result = run_cli("run", str(path), "--model-role", "grader=nosuch/x",
                     "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 2
    assert result.stderr.strip() == ("--model-role: role 'grader': unknown model provider "
                                     "'nosuch' (in 'nosuch/x')")


def test_an_unbound_role_is_an_error_not_the_evaluated_model(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yml", """name: s
model: mockllm/model
model_roles: {grader: mockllm/model}
tasks:
  - name: t
    dataset: {samples: [{input: "say hi", target: "hi"}]}
    plan:
      - self_critique: {model: critic}
    scorer: {model_graded_fact: {model: grdaer}}
""")
    errors = both(path)
    assert errors.splitlines() == [
        f"{path}:8:9: solver 'self_critique': 'critic' is neither provider/name nor a role of "
        "this task (roles: grader); bind it with `model_roles: {critic: provider/name}` or "
        "--model-role critic=provider/name",
        f"{path}:9:14: scorer 'model_graded_fact': 'grdaer' is neither provider/name nor a "
        "role of this task (did you mean 'grader'? roles: grader); bind it with "
        "`model_roles: {grdaer: provider/name}` or --model-role grdaer=provider/name",
    ]
    bound = run_cli("run", str(path), "--model-role", "critic=mockllm/model",
                    "--model-role", "grdaer=mockllm/model", "--log-dir", str(tmp_path / "ok"))
    assert bound.returncode == 0, bound.stderr


# Generation config -------------------------------------------------------------------

def test_generation_config_of_a_step_is_checked(tmp_path: Path) -> None:
    path = suite(tmp_path, "    plan:\n      - generate: {temperature: hot}\n"
                           "      - generate: {temprature: 0.5}\n")
    errors = both(path)
    assert errors.splitlines() == [
        f"{path}:7:33: temperature: Input should be a valid number, unable to parse string "
        "as a number",
        f"{path}:8:32: temprature: Extra inputs are not permitted",
    ]


def test_a_role_with_its_own_config(tmp_path: Path, server: ServerHandle) -> None:
    path = suite(tmp_path, GRADED, model="openai-api/test/subject")
    role = "grader={model: openai-api/test/judge, temperature: 0.5, max_tokens: 7}"
    before = len(server.requests)
    result = run_cli("run", str(path), "--model-role", role, "--log-dir", str(tmp_path / "logs"),
                     env=server_env(server))
    assert result.returncode == 0, result.stderr
    judged = [r.body for r in server.requests[before:] if r.body["model"] == "judge"]
    assert [(b["temperature"], b["max_tokens"]) for b in judged] == [(0.5, 7)]
    [log] = (tmp_path / "logs").glob("*.json")
    header = json.loads(log.read_text().splitlines()[0] + "]}")
    assert header["eval"]["model_roles"] == {
        "grader": {"model": "openai-api/test/judge", "temperature": 0.5, "max_tokens": 7}}
    misspelt = run_cli("run", str(path), "--model-role",
                       "grader={model: openai-api/test/judge, temprature: 0.5}",
                       "--log-dir", str(tmp_path / "bad"), env=server_env(server))
    assert misspelt.returncode == 2
    assert misspelt.stderr.strip() == ("--model-role: role 'grader': unknown key 'temprature' "
                                       "(did you mean 'temperature'?)")


def test_a_role_with_its_own_config_in_a_suite(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yml", """name: s
model: mockllm/model
model_roles:
  grader: {model: mockllm/model, temperature: 0.5}
  critic: {model: mockllm/model, tempreature: 0.5}
tasks:
  - name: t
    dataset: {samples: [{input: "say hi", target: "hi"}]}
""")
    errors = both(path)
    assert errors == (f"{path}:5:34: unknown key 'tempreature' in critic "
                      "(did you mean 'temperature'?)")


# Templates, datasets, thresholds, components -------------------------------------------

def test_an_unknown_jinja_filter(tmp_path: Path) -> None:
    path = suite(tmp_path, '    plan:\n      - user_message: "{{ prompt | nosuchfilter }}"\n'
                           "      - generate\n")
    errors = both(path)
    assert errors == (f"{path}:7:23: template syntax error in argument 'template' of solver "
                      "'user_message': No filter named 'nosuchfilter'.")


def test_dataset_problems_after_the_first_hundred_records(tmp_path: Path) -> None:
    rows = [{"input": f"q{i}", "target": "a"} for i in range(107)] + [{"question": "x"}]
    write(tmp_path / "qa.jsonl", "".join(json.dumps(r) + "\n" for r in rows) + "{torn\n")
    path = write(tmp_path / "s.yml", "name: s\nmodel: mockllm/model\ntasks:\n  - name: t\n"
                                     "    dataset: {path: qa.jsonl}\n")
    errors = both(path)
    assert errors.splitlines() == [
        f"{path}:5:14: dataset: qa.jsonl:108: no 'input' field in the record (it has: "
        "question); map one with fields: {input: ...}",
        f"{path}:5:14: dataset: qa.jsonl:109:2: invalid JSON: Expecting property name "
        "enclosed in double quotes",
    ]


def test_record_to_sample_raising_on_record_121(tmp_path: Path) -> None:
    write(tmp_path / "convert.py", "def convert(record):\n"
                                   "    if record['n'] == 121:\n"
                                   "        raise KeyError('question')\n"
                                   "    return {'input': str(record['n'])}\n")
    write(tmp_path / "qa.jsonl", "".join(json.dumps({"n": i}) + "\n" for i in range(1, 150)))
    path = write(tmp_path / "s.yml", "name: s\nmodel: mockllm/model\ntasks:\n  - name: t\n"
                 "    dataset: {path: qa.jsonl, record_to_sample: convert.py@convert}\n")
    errors = both(path)
    assert errors == (f"{path}:5:14: dataset: qa.jsonl:121: record_to_sample failed: "
                      "KeyError: 'question'")


def test_a_threshold_naming_no_metric(tmp_path: Path) -> None:
    path = suite(tmp_path, "    scorer: match\n    thresholds: {acuracy: 0.5, match/stderr: 0}\n")
    errors = both(path)
    assert errors == (f"{path}:7:18: threshold 'acuracy' names no metric of task 't' "
                      "(did you mean 'accuracy'? metrics: accuracy, stderr)")


def test_a_factory_raising_on_a_bad_argument(tmp_path: Path) -> None:
    path = suite(tmp_path, '    scorer: {model_graded_fact: {grade_pattern: "GRADE: ([CI"}}\n')
    errors = both(path)
    assert errors == (f"{path}:6:14: scorer 'model_graded_fact': invalid grade_pattern "
                      "'GRADE: ([CI': unterminated character set at position 8")


def test_a_plan_with_no_step(tmp_path: Path) -> None:
    path = suite(tmp_path, "    plan: []\n    scorer: match\n")
    errors = both(path)
    assert errors == (f"{path}:6:11: the plan has no step: give at least `- generate` "
                      "(or leave `plan:` out, which means just generate)")


def test_a_setup_error_fails_its_task_with_a_log_and_siblings_go_on(tmp_path: Path) -> None:
    # A record function that fails only when the run's setup counts the samples (the
    # check before read them fine; the run builds nothing again, so a dataset read is
    # what can still fail there): the task's own error handling takes it, the sibling
    # task still runs.
    write(tmp_path / "steps.py", """
CALLS = []

def flaky(record):
    CALLS.append(1)
    if len(CALLS) > 1:
        raise RuntimeError("the lab's licence server is down")
    return record
""")
    path = write(tmp_path / "s.yml", """name: s
model: mockllm/model
tasks:
  - name: flaky
    dataset: {samples: [{input: "a", target: "a"}], record_to_sample: steps.py@flaky}
  - name: steady
    dataset: {samples: [{input: "b", target: "b"}]}
""")
    result = run_cli("run", str(path), "--max-tasks", "2", "--log-dir", str(tmp_path / "logs"),
                     "--display", "plain")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    logs = {}
    for file in (tmp_path / "logs").glob("*.json"):
        out = run_cli("info", "log-file", str(file))
        data = json.loads(out.stdout)
        logs[data["eval"]["task"]] = data
    assert logs["steady"]["status"] == "success"
    assert logs["flaky"]["status"] == "error"
    assert "licence server is down" in logs["flaky"]["error"]["message"]


# YAML ---------------------------------------------------------------------------------

def test_a_recursive_alias(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yml", "x: &a [*a]\n" + HEAD.format(model="mockllm/model"))
    errors = both(path)
    assert errors == f"{path}:1:4: YAML alias refers to the value that holds it (a recursive alias)"


def test_an_alias_bomb_is_stopped(tmp_path: Path) -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        levels.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    path = write(tmp_path / "s.yml", "x-bomb:\n" + "".join(f"  {line}\n" for line in levels)
                 + HEAD.format(model="mockllm/model"))
    result = run_cli("validate", str(path), timeout=60)
    assert result.returncode == 2
    assert "YAML aliases expand to more than 10,000 values" in result.stderr
    assert result.stderr.startswith(f"{path}:")


# Command line -------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["--epochs", "0"], "--epochs: 0: give 1 or more"),
    (["--epochs", "-1"], "--epochs: -1: give 1 or more"),
    (["--sample-id", "nope"], "--sample-id: no sample has the id 'nope' in the tasks selected"),
    (["--limit", "5-9"], "--limit: 5-9 selects no sample of task 't', which has 1"),
])
def test_run_options_that_select_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    path = suite(tmp_path, "    scorer: match\n")
    result = run_cli("run", str(path), "--log-dir", str(tmp_path / "logs"), *args)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert not (tmp_path / "logs").exists()


def test_places_the_run_writes_are_tried_before_the_first_call(
    tmp_path: Path, server: ServerHandle
) -> None:
    path = suite(tmp_path, "    scorer: match\n", model="openai-api/test/subject")
    a_file = write(tmp_path / "a_file", "")
    before = len(server.requests)
    cases = [
        (["--log-dir", str(a_file)], f"--log-dir: {a_file}: not a folder"),
        (["--log-dir", str(a_file / "logs")],
         f"--log-dir: {a_file / 'logs'}: {a_file} is a file, not a folder"),
        (["--junit", str(a_file / "j.xml")],
         f"--junit: {a_file / 'j.xml'}: {a_file} is a file, not a folder"),
        (["--summary", str(tmp_path)], f"--summary: {tmp_path}: is a folder"),
    ]
    for args, message in cases:
        extra = [] if args[0] == "--log-dir" else ["--log-dir", str(tmp_path / "logs")]
        result = run_cli("run", str(path), *extra, *args, env=server_env(server))
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip() == message
    assert len(server.requests) == before


def test_view_port_out_of_range(tmp_path: Path) -> None:
    result = run_cli("view", "--log-dir", str(tmp_path), "--port", "99999")
    assert result.returncode == 2
    assert "99999 is not in the range 0<=x<=65535" in result.stderr
    assert "Traceback" not in result.stderr


def test_log_commands_on_files_that_are_not_logs(tmp_path: Path) -> None:
    path = suite(tmp_path, "    scorer: match\n")
    assert run_cli("run", str(path), "--log-dir", str(tmp_path / "logs")).returncode == 0
    [log] = (tmp_path / "logs").glob("*.json")
    cut = write(tmp_path / "cut.json", log.read_text()[:40])
    plain = write(tmp_path / "notes.json", '{"hello": 1}\n')
    text = write(tmp_path / "notes.txt", "just words\n")
    for bad in (cut, plain, text):
        for args in (["info", "log-file", str(bad)], ["diff", str(log), str(bad)],
                     ["logs", "merge", str(bad)]):
            result = run_cli(*args)
            assert result.returncode == 2, (args, result.stderr)
            assert "Traceback" not in result.stderr
            assert f"{bad}: not an evalrunner log" in result.stderr, result.stderr
    missing = run_cli("info", "log-file", str(tmp_path / "gone.json"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"{tmp_path / 'gone.json'}: cannot read: No such file or " \
                                     "directory"


def test_a_model_without_a_base_url_stops_the_run_before_any_call(tmp_path: Path) -> None:
    # `validate` runs where the environment is not set up (CI without keys or addresses);
    # a run needs the address, and finds it missing before its first call, not at it.
    path = suite(tmp_path, "    plan: [generate]\n    scorer: match\n",
                 model="openai-api/nowhere/m")
    assert run_cli("validate", str(path)).returncode == 0
    ran = run_cli("run", str(path), "--log-dir", str(tmp_path / "logs"))
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert f"{path}:4:5: model 'openai-api/nowhere/m': no base URL for nowhere: " \
           "set NOWHERE_BASE_URL" in ran.stderr
    assert "Traceback" not in ran.stderr and not (tmp_path / "logs").exists()
