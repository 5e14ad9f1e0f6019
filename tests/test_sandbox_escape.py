"""A model probing its sandbox as an attacker would: nothing of the host is reached.

The scripted model (tests/servers/scripted_server.py) makes whatever tool calls a sample's
input lists. Canaries: a variable in evalrunner's environment (so in the environment block
/proc shows), a file and a unix socket on the host outside any private folder, a `.env`
in the run's working folder, and a host file a symlink points at.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from tests.conftest import ROOT, run_cli, write
from tests.sandboxes import IMAGE, needs_bwrap, needs_docker
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

SANDBOXES = {
    "bwrap": "bwrap",
    "docker": f"{{type: docker, image: {IMAGE}, workdir: /root}}",
    "local": "local",
}
BACKENDS = [pytest.param("bwrap", marks=needs_bwrap()),
            pytest.param("docker", marks=needs_docker()),
            pytest.param("local", marks=needs_bwrap())]  # local runs commands through bwrap
ISOLATED = BACKENDS[:2]


@dataclass
class Host:
    """What the model must not reach: canaries, a file to keep intact, a unix socket."""

    folder: Path
    env_canary: str = field(default_factory=lambda: f"canary-env-{uuid.uuid4().hex}")
    file_canary: str = field(default_factory=lambda: f"canary-file-{uuid.uuid4().hex}")
    dotenv_canary: str = field(default_factory=lambda: f"canary-dotenv-{uuid.uuid4().hex}")
    connections: list[str] = field(default_factory=list)

    @property
    def canary_file(self) -> Path:
        return self.folder / "canary.txt"

    @property
    def victim(self) -> Path:
        return self.folder / "victim.txt"

    @property
    def socket_path(self) -> Path:
        return self.folder / "host.sock"

    def canaries(self) -> list[str]:
        return [self.env_canary, self.file_canary, self.dotenv_canary]


@pytest.fixture
def host() -> Iterator[Host]:
    # Not under /tmp, /root or /home, which bwrap always replaced: the rest of the host is
    # what the old bind of `/` showed.
    folder = Path("/var/tmp") / f"evalrunner-probe-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    found = Host(folder)
    found.canary_file.write_text(found.file_canary)
    found.victim.write_text("intact")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(found.socket_path))
    listener.listen()

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            found.connections.append("connected")
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield found
    listener.close()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def run(server: ServerHandle, host: Host, suite: Path, tmp_path: Path) -> str:
    """Run the suite in `tmp_path` with the canaries in place; its logs' whole text."""
    write(tmp_path / ".env", f"# {host.dotenv_canary}\n")
    result = run_cli("run", str(suite), "--model", "openai-api/test/small", "--log-dir",
                     str(tmp_path / "logs"), "--display", "plain", cwd=tmp_path,
                     env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
                          "PROBE_CANARY_KEY": host.env_canary}, timeout=300)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    for canary in host.canaries():
        assert canary not in result.stdout + result.stderr
    texts = []
    for log_file in sorted((tmp_path / "logs").glob("*.json")):
        assert read_eval_log(log_file).samples
        texts.append(log_file.read_text())
    assert texts
    return "\n".join(texts)


def call(name: str, **args: object) -> str:
    return f"CALL {name} {json.dumps(args)}"


def sample(*calls: str, setup: str | None = None) -> dict[str, object]:
    record: dict[str, object] = {"input": "Probe.\n" + "\n".join(calls), "target": "x"}
    if setup:
        record["setup"] = setup
    return record


def suite_file(tmp_path: Path, backend: str, tasks: list[dict[str, object]]) -> Path:
    body = {"sandbox": "__SANDBOX__", "tasks": tasks}
    text = json.dumps(body).replace('"__SANDBOX__"', SANDBOXES[backend])
    return write(tmp_path / "probe.yml", text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_file_access_goes_through_the_sandbox(backend: str, server: ServerHandle, host: Host,
                                              tmp_path: Path) -> None:
    shutil.copy(ROOT / "suites" / "agents" / "ctf.py", tmp_path / "ctf.py")
    reads = sample(call("text_editor", command="view", path="/proc/self/environ"),
                   call("text_editor", command="view", path="/proc/self/cwd/.env"),
                   call("text_editor", command="view",
                        path=f"/proc/self/root{host.canary_file}"))
    write_through_link = sample(
        call("text_editor", command="create", path="out.txt", file_text="owned"),
        setup=f"ln -s {host.victim} out.txt")
    tools = {"dataset": {"samples": [reads, write_through_link]},
             "plan": [{"use_tools": ["text_editor"]}, "generate"], "scorer": "includes"}
    scored = {"name": "scored", "plan": ["generate"], "scorer": "ctf.py@flag_file",
              "dataset": {"samples": [
                  sample(setup="ln -s /proc/self/environ answer.txt"),
                  sample(setup=f"ln -s {host.canary_file} answer.txt")]}}
    log = run(server, host, suite_file(tmp_path, backend, [{"name": "tools", **tools}, scored]),
              tmp_path)
    for canary in host.canaries():
        assert canary not in log
    assert host.victim.read_text() == "intact"


@pytest.mark.parametrize("backend", ISOLATED)
def test_a_model_with_every_shell_tool_reaches_nothing_of_the_host(
    backend: str, server: ServerHandle, host: Host, tmp_path: Path
) -> None:
    sockets = [str(host.socket_path), "/var/run/docker.sock", "/run/docker.sock"]
    probe = (f"import socket\nfor path in {sockets!r}:\n"
             "    s = socket.socket(socket.AF_UNIX)\n"
             "    try:\n        s.connect(path); print('CONN' + 'ECTED', path)\n"
             "    except OSError as ex:\n        print('refused', path, ex)\n"
             f"for path in ['{host.canary_file}', '/proc/1/environ']:\n"
             "    try:\n        print(open(path).read())\n"
             "    except OSError as ex:\n        print('unreadable', path, ex)\n"
             f"try:\n    open('{host.victim}', 'w').write('owned')\n"
             "except OSError as ex:\n    print('unwritable', ex)\nprint('python-done')\n")
    shell = (f"cat {host.canary_file}; for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; "
             f"done; env; echo owned > {host.victim}; echo bash-done")
    probes = sample(
        call("bash", cmd=shell),
        call("python", code=probe),
        call("bash_session", command=f"tr '\\0' '\\n' < /proc/$PPID/environ; "
                                     f"cat {host.canary_file}; echo owned >> {host.victim}; "
                                     "echo session-done"),
        call("text_editor", command="view", path=str(host.canary_file)),
        call("text_editor", command="create", path=str(host.victim), file_text="owned"))
    task = {"name": "all", "dataset": {"samples": [probes]}, "scorer": "includes",
            "plan": [{"use_tools": ["bash", "python", "bash_session", "text_editor"]},
                     "generate"]}
    log = run(server, host, suite_file(tmp_path, backend, [task]), tmp_path)
    assert "bash-done" in log and "python-done" in log and "session-done" in log
    assert "CONNECTED" not in log and host.connections == []
    for canary in host.canaries():
        assert canary not in log
    assert host.victim.read_text() == "intact"
