"""One way into a run: `.env` files, `file.yml@task`, filters and the checks before the first
model call are the same for `evalrunner run` and `evalrunner.eval()`."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

import pytest

import evalrunner
from evalrunner.runner import RunOptions
from evalrunner.suite import SpecErrors
from tests.conftest import ROOT, run_cli, write

SUITE = """name: plain
tasks:
  - name: light_one
    tags: [light]
    dataset: {samples: [{input: "a", target: "a"}]}
    scorer: match
  - name: heavy_one
    dataset: {samples: [{input: "b", target: "b"}]}
    scorer: match
"""


def headers(folder: Path) -> list[dict[str, object]]:
    out = []
    for file in sorted(folder.glob("*.json")):
        out.append(json.loads(file.read_text(encoding="utf-8").splitlines()[0] + "]}"))
    return out


def test_dotenv_in_the_working_folder_sets_options(tmp_path: Path) -> None:
    write(tmp_path / "s.yml", SUITE)
    write(tmp_path / ".env", "EVALRUNNER_MODEL=mockllm/model\nEVALRUNNER_LOG_DIR=from-env\n")
    result = run_cli("run", "s.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    logged = headers(tmp_path / "from-env")
    assert [h["eval"]["model"] for h in logged] == ["mockllm/model"] * 2  # type: ignore[index]
    assert not (tmp_path / "logs").exists()
    # The environment wins over a .env, and an option over both.
    over = run_cli("run", "s.yml", "--log-dir", "flag", cwd=tmp_path,
                   env={"EVALRUNNER_LOG_DIR": "environment"})
    assert over.returncode == 0, over.stderr
    assert len(headers(tmp_path / "flag")) == 2 and not (tmp_path / "environment").exists()


def test_dotenv_beside_the_suite_sets_options(tmp_path: Path) -> None:
    write(tmp_path / "suites" / "s.yml", SUITE)
    write(tmp_path / "suites" / ".env", "EVALRUNNER_MODEL=mockllm/model\n")
    result = run_cli("run", "suites/s.yml", "--log-dir", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {h["eval"]["model"] for h in headers(tmp_path / "out")} == {  # type: ignore[index]
        "mockllm/model"}


def test_every_id_list_tasks_prints_is_accepted_by_run_and_validate(tmp_path: Path) -> None:
    listed = run_cli("list", "tasks", "suites/")
    assert listed.returncode == 0, listed.stderr
    ids = [line.split()[0] for line in listed.stdout.splitlines()]
    assert len(ids) > 20 and all("@" in i for i in ids)
    checked = run_cli("validate", *ids)
    assert checked.returncode == 0, checked.stderr
    # Without the mcp extra, validate warns about each MCP suite (naming the extra) and does
    # not count its tasks as checked; with it, it checks every one.
    unchecked = {line.split(":")[0] for line in checked.stderr.splitlines()
                 if "need the mcp extra" in line}
    assert bool(unchecked) == (importlib.util.find_spec("mcp") is None), checked.stderr
    counted = [i for i in ids if i.split("@")[0] not in unchecked]
    assert checked.stdout.startswith(f"ok: {len(counted)} tasks")
    one = run_cli("run", "suites/examples/hello.yml@hello", "--log-dir", str(tmp_path))
    assert one.returncode == 0, one.stderr
    assert [h["eval"]["task"] for h in headers(tmp_path)] == ["hello"]  # type: ignore[index]
    wrong = run_cli("validate", "suites/guide/arc.yml@arc_eassy")
    assert wrong.returncode == 2
    assert wrong.stderr.splitlines()[0] == (
        "suites/guide/arc.yml:1:1: no task 'arc_eassy' in this suite (did you mean "
        "'arc_easy'? tasks: arc_easy, arc_challenge)")


def test_eval_reads_dotenv_and_filters_without_changing_the_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = write(tmp_path / "s.yml", SUITE)
    write(tmp_path / ".env", "EVALRUNNER_MODEL=mockllm/model\n")
    # Registered so the test's environment is restored, whatever the .env sets.
    monkeypatch.setenv("EVALRUNNER_MODEL", "unset")
    monkeypatch.delenv("EVALRUNNER_MODEL")
    options = RunOptions(log_dir=str(tmp_path / "logs"))
    logs = evalrunner.eval(suite, filters=["light"], options=options)
    assert [(log.eval.task, log.eval.model, log.status) for log in logs] == [
        ("light_one", "mockllm/model", "success")]
    assert options.model is None and options.log_dir == str(tmp_path / "logs")


def test_eval_checks_before_any_model_call(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", SUITE.replace("scorer: match\n  - name: heavy",
                                                    "scorer: match\n    thresholds: "
                                                    "{acuracy: 1}\n  - name: heavy"))
    with pytest.raises(SpecErrors) as caught:
        evalrunner.eval(suite, model="nosuch/x", log_dir=str(tmp_path / "logs"))
    assert [str(e) for e in caught.value.errors] == [  # once, not once per task
        "--model: unknown model provider 'nosuch' (in 'nosuch/x')"]
    with pytest.raises(SpecErrors) as caught:
        evalrunner.eval(suite, model="mockllm/model", log_dir=str(tmp_path / "logs"))
    assert [str(e) for e in caught.value.errors] == [
        f"{suite}:7:18: threshold 'acuracy' names no metric of task 'light_one' (did you mean "
        "'accuracy'? metrics: accuracy, stderr)"]
    assert not (tmp_path / "logs").exists()


def test_eval_inside_a_running_event_loop(tmp_path: Path) -> None:
    # A notebook cell runs inside the notebook's loop: eval() must still work there.
    async def cell() -> list[evalrunner.EvalLog]:
        return evalrunner.eval(ROOT / "suites" / "examples" / "hello.yml",
                               log_dir=str(tmp_path))

    logs = asyncio.run(cell())
    assert [log.status for log in logs] == ["success"]
