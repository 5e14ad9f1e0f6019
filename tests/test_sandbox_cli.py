"""Sandboxes through the CLI: suite keys checked with locations, tools inside, cleanup."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import ROOT, run_cli, write
from tests.sandboxes import IMAGE, needs_bwrap, needs_docker
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

MODEL = "openai-api/test/small"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def env_for(server: ServerHandle) -> dict[str, str]:
    return {"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"}


def run(server: ServerHandle, suite: Path, tmp_path: Path) -> EvalLog:
    result = run_cli("run", str(suite), "--model", MODEL, "--log-dir", str(tmp_path / "logs"),
                     "--display", "plain", env=env_for(server), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    return read_eval_log(log_file)


def test_files_or_setup_without_a_sandbox_is_a_located_error(tmp_path: Path) -> None:
    suite = write(tmp_path / "suite.yml", """\
tasks:
  - name: forgot
    dataset:
      samples:
        - input: Look at the file.
          files: {a.txt: hello}
  - name: forgot_too
    dataset: {path: data.jsonl}
""")
    write(tmp_path / "data.jsonl", '{"input": "Go", "setup": "touch marker"}\n')
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{suite}:4:7: dataset: samples[0]: this sample has files but "
                               "no sandbox") for line in lines), result.stderr
    assert any(line.startswith(f"{suite}:8:14: dataset: data.jsonl:1: this sample has a setup "
                               "script but no sandbox") for line in lines), result.stderr
    # `run` refuses the same way, before any model is called.
    assert run_cli("run", str(suite), "--model", "mockllm/model").returncode == 2


def test_sandbox_keys_are_checked_where_written(tmp_path: Path) -> None:
    suite = write(tmp_path / "suite.yml", """\
sandbox: {type: docker, image: x, memroy: 1g}
tasks:
  - name: a
    sandbox: {type: bwrap, image: debian}
    dataset: {samples: [{input: hi}]}
  - name: b
    sandbox: {type: docker, compose: missing-compose.yml}
    dataset: {samples: [{input: hi}]}
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    err = result.stderr
    assert f"{suite}:1:35: unknown key 'memroy'" in err and "did you mean 'memory'" in err
    assert f"{suite}:4:14: sandbox image: not a setting of the bwrap backend" in err
    assert f"{suite}:7:14: sandbox compose: 'missing-compose.yml' not found" in err
    sample_level = write(tmp_path / "sample.yml", """\
tasks:
  - dataset: {samples: [{input: hi, sandbox: podman}]}
""")
    result = run_cli("validate", str(sample_level))
    assert result.returncode == 2
    assert f"{sample_level}:2:14: dataset: samples[0]: sandbox: unknown sandbox 'podman'" in \
        result.stderr


def test_local_sandbox_warns_that_it_isolates_nothing(tmp_path: Path) -> None:
    suite = write(tmp_path / "suite.yml", """\
tasks:
  - name: a
    sandbox: local
    dataset: {samples: [{input: hi, files: {a.txt: x}}]}
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 0, result.stderr
    assert f"{suite}:3:14: warning: sandbox local gives no isolation" in result.stderr


@needs_bwrap()
def test_tools_run_in_the_samples_sandbox(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "suite.yml", r"""
tasks:
  - name: inside
    sandbox: local
    dataset:
      samples:
        - id: task_level
          input: |
            CALL bash {"cmd": "cat marker; cat data/a.txt"}
          files: {data/a.txt: "from files"}
          setup: echo "from setup" > marker
        - id: sample_level
          sandbox: bwrap
          input: |
            CALL bash {"cmd": "echo $HOME; cd /tmp && pwd"}
            CALL python {"code": "import os; print(os.getcwd())"}
            CALL declared_ls {}
    plan:
      - use_tools: [bash, python, declared_ls]
      - generate
    scorer: includes
tools:
  declared_ls:
    description: List the working folder.
    run: [sh, -c, "echo declared in $PWD"]
""")
    log = run(server, suite, tmp_path)
    by_id = {s.id: s for s in log.samples}
    first = [m.text for m in by_id["task_level"].messages if m.role == "tool"]
    assert first == ["from setup\nfrom files"]
    second = [m.text.strip() for m in by_id["sample_level"].messages if m.role == "tool"]
    assert second == ["/root\n/tmp", "/root", "declared in /root"]


def _containers(run_label: str = "evalrunner.run") -> list[str]:
    found = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={run_label}"],
                           capture_output=True, text=True, check=True)
    return found.stdout.split()


def _run_labels() -> list[str]:
    found = subprocess.run(["docker", "ps", "-a", "--filter", "label=evalrunner.run", "--format",
                            '{{.Label "evalrunner.run"}}'], capture_output=True, text=True,
                           check=True)
    return found.stdout.split()


def _start_hanging_run(server: ServerHandle, tmp_path: Path, backend: str,
                       command: str = "sleep 300", **extra_env: str) -> subprocess.Popen[str]:
    sandbox = f"{{type: docker, image: {IMAGE}}}" if backend == "docker" else "bwrap"
    suite = write(tmp_path / "hang.yml", f"""
tasks:
  - name: hang
    sandbox: {sandbox}
    dataset:
      samples:
        - input: |
            CALL bash {{"cmd": "{command}"}}
    plan:
      - use_tools: [bash]
      - generate
""")
    env = {**os.environ, **env_for(server), **extra_env}
    return subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "run", str(suite), "--model", MODEL,
         "--log-dir", str(tmp_path / "logs"), "--display", "plain"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _own_run_id(tmp_path: Path) -> str | None:
    """The run id in this test's own log (written as the run starts): other tests' runs
    put containers on the same daemon at the same time."""
    for log_file in (tmp_path / "logs").glob("*.json"):
        try:
            return read_eval_log(log_file, header_only=True).eval.run_id
        except Exception:  # being written
            return None
    return None


def _wait_for(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _sleeping(server: ServerHandle) -> bool:
    """The model has asked for `sleep 300`: the command is running in the sandbox."""
    return any(r.body and "sleep 300" in str(r.body) for r in server.requests)


@needs_docker()
def test_ctrl_c_removes_the_container(server: ServerHandle, tmp_path: Path) -> None:
    process = _start_hanging_run(server, tmp_path, "docker")
    _wait_for(lambda: (run := _own_run_id(tmp_path)) and run in _run_labels()
              and _sleeping(server))
    run_id = _own_run_id(tmp_path)
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "cancelled" in err
    assert _containers(f"evalrunner.run={run_id}") == []  # removed by the run itself
    (log_file,) = (tmp_path / "logs").glob("*.json")
    assert read_eval_log(log_file).status == "cancelled"  # and the log was finished


@needs_docker()
def test_sandbox_cleanup_removes_what_a_killed_run_left(server: ServerHandle,
                                                        tmp_path: Path) -> None:
    process = _start_hanging_run(server, tmp_path, "docker")
    _wait_for(lambda: (run := _own_run_id(tmp_path)) and run in _run_labels())
    run_id = _own_run_id(tmp_path)
    assert run_id is not None
    process.kill()
    process.communicate(timeout=30)
    assert _containers(f"evalrunner.run={run_id}")  # a SIGKILL leaves it behind
    result = run_cli("sandbox", "cleanup", "--type", "docker", "--run-id", run_id)
    assert result.returncode == 0, result.stderr
    assert "docker: removed container" in result.stdout
    assert _containers(f"evalrunner.run={run_id}") == []


@needs_bwrap()
def test_bwrap_leftovers_of_a_killed_run_are_cleaned_up(server: ServerHandle,
                                                        tmp_path: Path) -> None:
    run_tmp = tmp_path / "run-tmp"  # this run's folders only (others run tests here too)
    run_tmp.mkdir()

    def folders() -> set[Path]:
        return set(run_tmp.glob("evalrunner-sandbox-bwrap-*"))

    # A duration no other test uses, so that pgrep finds this run's command only.
    command = f"sleep 300.{secrets.randbelow(10**9):09d}"

    def running() -> bool:
        return subprocess.run(["pgrep", "-f", command], check=False,
                              capture_output=True).returncode == 0

    process = _start_hanging_run(server, tmp_path, "bwrap", command, TMPDIR=str(run_tmp))
    _wait_for(folders)
    _wait_for(running)
    process.kill()
    process.communicate(timeout=30)
    left = folders()
    assert left
    run_id = next(iter(left)).name.split("-")[3]
    result = run_cli("sandbox", "cleanup", "--type", "bwrap", "--run-id", run_id)
    assert result.returncode == 0, result.stderr
    assert not folders()
    # --die-with-parent: the command inside died with the run.
    _wait_for(lambda: not running(), timeout=30)


@pytest.mark.parametrize("backend", [pytest.param("bwrap", marks=needs_bwrap()),
                                     pytest.param("docker", marks=needs_docker())])
def test_a_model_gets_no_network_by_default(backend: str, server: ServerHandle,
                                            tmp_path: Path) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    sandbox = f"{{type: docker, image: {IMAGE}}}" if backend == "docker" else "bwrap"
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), 3); print('ok')"
    suite = write(tmp_path / "net.yml", f"""
tasks:
  - name: net
    sandbox: {sandbox}
    dataset:
      samples:
        - input: |
            CALL python {{"code": "{code}"}}
    plan:
      - use_tools: [python]
      - generate
""")
    try:
        log = run(server, suite, tmp_path)
    finally:
        listener.close()
    (reply,) = [m.text for m in log.samples[0].messages if m.role == "tool"]
    assert "ok" not in reply.split()
    assert "ConnectionRefusedError" in reply or "Network is unreachable" in reply


@needs_bwrap()
def test_cleanup_keeps_live_and_other_users_sandboxes_and_follows_a_runs_tmpdir(
    server: ServerHandle, tmp_path: Path
) -> None:
    import tempfile

    state = {"EVALRUNNER_STATE_DIR": str(tmp_path / "state")}  # this test's runs only
    run_tmp = tmp_path / "run-tmp"  # the run's TMPDIR, not cleanup's
    run_tmp.mkdir()
    process = _start_hanging_run(server, tmp_path, "bwrap", TMPDIR=str(run_tmp), **state)
    try:
        _wait_for(lambda: list(run_tmp.glob("evalrunner-sandbox-bwrap-*")) and _sleeping(server))
        (live,) = run_tmp.glob("evalrunner-sandbox-bwrap-*")
        run_id = live.name.split("-")[3]
        others = Path(tempfile.mkdtemp(prefix="evalrunner-sandbox-bwrap-someoneelse-1-"))
        os.chown(others, 54321, 54321)  # a folder of another user's run
        kept = run_cli("sandbox", "cleanup", "--type", "bwrap", env=state)
        assert kept.returncode == 0, kept.stderr
        assert live.is_dir() and others.is_dir()
        assert f"kept folder {live} (run {run_id} is still going" in kept.stdout
        assert f"kept folder {others} (run someoneelse is another user's" in kept.stdout
    finally:
        process.kill()
        process.communicate(timeout=30)
    gone = run_cli("sandbox", "cleanup", "--type", "bwrap", "--run-id", run_id, env=state)
    assert gone.returncode == 0, gone.stderr
    assert f"removed folder {live}" in gone.stdout and not live.exists()
    assert others.is_dir()  # not this run's
    everything = run_cli("sandbox", "cleanup", "--type", "bwrap", "--run-id", "someoneelse",
                         "--all", env=state)
    assert f"removed folder {others}" in everything.stdout and not others.exists()
