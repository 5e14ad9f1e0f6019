"""Tasks written in Python as Inspect writes them: found, checked, run and retried like YAML
tasks, from the command line and from `evalrunner.eval()`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evalrunner
from evalrunner.log import read_eval_log
from tests.arith_suite import logs_in, server_env
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server

TASKS = '''
from evalrunner import Epochs, Task, task, task_with
from evalrunner.dataset import FieldSpec, MemoryDataset, Sample, json_dataset
from evalrunner.model import GenerateConfig
from evalrunner.scorers import accuracy, includes, match, stderr
from evalrunner.solvers import generate, solver, system_message

CLEANED = []


@solver
def shout():
    async def solve(state, generate):
        state.store.set("setup_ran", True)
        return state
    return solve


async def cleanup(state):
    with open("cleaned.txt", "a") as file:
        file.write(f"{state.sample_id}\\n")


@task(kind="demo")
def echo(n: int = 2, word: str = "hi", strict: bool = False):
    return Task(
        dataset=MemoryDataset([Sample(id=i, input=f"{word} {i}", target=f"{word} {i}")
                               for i in range(1, n + 1)]),
        setup=shout(),
        solver=[system_message("Repeat the input."), generate()],
        cleanup=cleanup,
        scorer=match(location="any") if strict else includes(),
        metrics=[accuracy(), stderr()],
        config=GenerateConfig(temperature=0.25),
        epochs=Epochs(2, "mean"),
        message_limit=10,
        version=2,
        metadata={"area": "echo"},
    )


@task
def from_file(limit: int | None = None):
    return Task(dataset=json_dataset("qa.jsonl", FieldSpec(input="q", target="a"), limit=limit),
                solver=generate(), scorer=includes(), fail_on_error=0.5)
'''


def _echo(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


@pytest.fixture
def server() -> Any:
    with start_openai_server(responder=_echo) as handle:
        yield handle


def _project(tmp_path: Path) -> Path:
    write(tmp_path / "qa.jsonl", '{"q": "x", "a": "x"}\n{"q": "y", "a": "z"}\n')
    return write(tmp_path / "tasks.py", TASKS)


def _run(server: ServerHandle, *args: str, cwd: Path) -> Any:
    return run_cli(*args, "--model", "openai-api/test/echo", env=server_env(server.url),
                   cwd=cwd)


def test_run_every_task_of_a_file_then_one(tmp_path: Path, server: ServerHandle) -> None:
    _project(tmp_path)
    result = _run(server, "run", "tasks.py", "-T", "n=3", "--log-dir", "all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    logs = {log.eval.task: log for log in logs_in(tmp_path / "all")}
    assert sorted(logs) == ["echo", "from_file"]
    echo = logs["echo"]
    assert len(echo.samples) == 6 and echo.eval.epochs == 2  # 3 samples x 2 epochs
    assert echo.eval.params == {"n": 3, "word": "hi", "strict": False}
    assert echo.eval.config["temperature"] == 0.25
    assert echo.eval.limits == {"messages": 10}
    assert echo.eval.suite_file == "tasks.py"
    assert [s.name for s in echo.plan.steps] == ["shout", "system_message", "generate"]
    assert all(s.store["setup_ran"] for s in echo.samples)
    assert all(s.scores["includes"].value == "C" for s in echo.samples)
    # cleanup ran after each sample (in the task file's folder: the run's working folder)
    assert sorted((tmp_path / "cleaned.txt").read_text().split()) == sorted(["1", "2", "3"] * 2)
    assert logs["from_file"].results is not None
    assert logs["from_file"].status == "success"  # a wrong answer is a score, not an error
    one = _run(server, "run", "tasks.py@from_file", "-T", "limit=1", "--log-dir", "one",
               cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    [log] = logs_in(tmp_path / "one")
    assert log.eval.task == "from_file" and len(log.samples) == 1


def test_task_arguments_are_typed_and_errors_located(tmp_path: Path, server: ServerHandle) -> None:
    _project(tmp_path)
    bad = _run(server, "run", "tasks.py@echo", "-T", "n=many", cwd=tmp_path)
    assert bad.returncode == 2
    assert "tasks.py:25:10: -T n=many: expected int (task 'echo')" in bad.stderr
    unknown = _run(server, "run", "tasks.py", "-T", "words=3", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "tasks.py:24:1: -T words: no task of this file takes it (did you mean 'word'?" \
        in unknown.stderr
    checked = run_cli("validate", "tasks.py", "-T", "strict=yes", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr  # YAML's yes is true
    assert "ok: 2 tasks in 1 suite file(s)" in checked.stdout
    wrong = run_cli("validate", "tasks.py", "-T", "strict=maybe", cwd=tmp_path)
    assert wrong.returncode == 2 and "-T strict=maybe: expected bool" in wrong.stderr
    # A checkout nobody vouched for: the task file is not run to find its tasks.
    unrun = run_cli("validate", "tasks.py", "--no-code", cwd=tmp_path)
    assert unrun.returncode == 0, unrun.stderr
    assert "not imported (--no-code), so not checked: tasks.py" in unrun.stderr
    assert not (tmp_path / "cleaned.txt").exists()


def test_a_folder_finds_both_kinds_and_filters_apply(tmp_path: Path) -> None:
    _project(tmp_path / "evals")
    hidden = "from evalrunner import task\n@task\ndef x(): ...\n"
    write(tmp_path / "evals" / "_private.py", hidden)  # skipped as a _name is
    write(tmp_path / "evals" / "tests" / "t.py", hidden)  # and a tests/ folder
    write(tmp_path / "evals" / "helpers.py", "def helper(): return 1\n")
    write(tmp_path / "evals" / "hello.yml", (
        "name: hello\nmodel: mockllm/model\ntasks:\n"
        "  - name: hi\n    dataset: {samples: [{input: a, target: a}]}\n"))
    listed = run_cli("list", "tasks", "evals", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["evals/hello.yml@hi", "evals/tasks.py@echo",
                                     "evals/tasks.py@from_file"]
    kept = run_cli("list", "tasks", "evals", "-F", "version=2", "--json", cwd=tmp_path)
    assert [t["task"] for t in json.loads(kept.stdout)] == ["echo"]


def test_a_task_file_that_fails_to_import_is_located(tmp_path: Path) -> None:
    write(tmp_path / "broken.py", "from evalrunner import task\n\nimport nowhere_module\n")
    result = run_cli("validate", "broken.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "broken.py:3:1: ModuleNotFoundError: No module named 'nowhere_module'" in result.stderr


def test_solver_option_replaces_the_plan_and_keeps_the_setup(
    tmp_path: Path, server: ServerHandle
) -> None:
    _project(tmp_path)
    result = _run(server, "run", "tasks.py@echo", "--solver", "generate", "--log-dir", "l",
                  cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [log] = logs_in(tmp_path / "l")
    assert [s.name for s in log.plan.steps] == ["shout", "generate"]


def test_eval_takes_tasks_functions_and_paths_and_returns_samples(
    tmp_path: Path, server: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    for key, value in server_env(server.url).items():
        monkeypatch.setenv(key, value)
    from evalrunner.dataset import Sample
    from evalrunner.registry import load_python_file
    from evalrunner.scorers import exact
    from evalrunner.solvers import generate, user_message

    module = load_python_file(tmp_path / "tasks.py")
    made = evalrunner.Task(dataset=[Sample(input="ping", target="ping")], solver=generate(),
                           scorer=exact(), name="made")
    logs = evalrunner.eval([made, module.echo, "tasks.py@from_file"],
                           model="openai-api/test/echo", task_args={"n": 1},
                           log_dir=str(tmp_path / "api"), display="none", limit=1)
    assert [log.eval.task for log in logs] == ["made", "echo", "from_file"]
    assert [len(log.samples) for log in logs] == [1, 2, 1]  # echo: 1 sample x 2 epochs
    assert logs[0].samples[0].scores["exact"].value == "C"
    # solver= replaces every plan, as --solver does (a Python task keeps its setup)
    [again] = evalrunner.eval(module.echo, model="openai-api/test/echo",
                              solver=[user_message("again"), generate()], header_only=True,
                              log_dir=str(tmp_path / "api2"), display="none", temperature=0.5)
    assert again.samples == [] and again.eval.config["temperature"] == 0.5
    assert [s.name for s in again.plan.steps] == ["shout", "user_message", "generate"]
    full = read_eval_log(str(again.location))
    assert full.samples[0].output is not None
    assert full.samples[0].output.completion == "again"


def test_retry_and_eval_set_of_a_python_task(
    tmp_path: Path, server: ServerHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    for key, value in server_env(server.url).items():
        monkeypatch.setenv(key, value)
    done, logs = evalrunner.eval_set("tasks.py@echo", log_dir=str(tmp_path / "set"),
                                     model="openai-api/test/echo", display="none",
                                     task_args={"n": 2})
    assert done and [log.status for log in logs] == ["success"]
    full = read_eval_log(str(logs[0].location))
    cut = tmp_path / "cut" / Path(str(logs[0].location)).name
    cut.parent.mkdir()
    text = Path(str(logs[0].location)).read_text()
    cut.write_text("".join(text.splitlines(keepends=True)[:2]))  # the header and one sample
    [retried] = evalrunner.eval_retry(str(cut))
    assert retried.status == "success" and retried.eval.params == full.eval.params
    assert len(read_eval_log(str(retried.location)).samples) == 4
