"""bridge with `sandbox: true`: the program runs in the sample's sandbox (bwrap, docker) and
reaches the model only through the sample's unix socket and the proxy on the sandbox's
loopback. Attack probes from inside: the host's ports, the endpoint without the token."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import evalrunner
from evalrunner.sandbox._host import ROOT_PREFIX, make_workdir
from evalrunner.sandbox.backends.docker import DockerBackend
from tests.conftest import write
from tests.sandboxes import IMAGE, needs_bwrap, needs_docker

SANDBOXES = {"bwrap": "bwrap", "docker": f"{{type: docker, image: '{IMAGE}'}}"}
SUITE = """
model: mockllm/model
model_args: {{outputs: ["pong"], when_done: repeat_last}}
tasks:
  - name: probe
    sandbox: {sandbox}
    dataset: {{path: data.jsonl}}
    plan:
      - bridge: {{command: [python3, probe.py, "{port}"], timeout: 60, sandbox: true}}
    scorer: includes
"""
PROBE = r'''
import glob, http.client, json, os, socket, sys
base = os.environ["OPENAI_BASE_URL"]
assert base.startswith("http://127.0.0.1:") and base.endswith("/v1"), base
assert os.environ["ANTHROPIC_BASE_URL"] + "/v1" == base
port = int(base.split(":")[2].split("/")[0])
token = os.environ["OPENAI_API_KEY"]
assert os.environ["ANTHROPIC_API_KEY"] == token
body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "ping"}]})
def status(headers, connection=None):
    c = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request("POST", "/v1/chat/completions", body, headers)
    return c.getresponse().status
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(glob.glob("/run/evalrunner/bridge-*.sock")[0])
def host_port(number):
    try:
        socket.create_connection(("127.0.0.1", number), timeout=5).close()
        return "reached"
    except OSError:
        return "refused"
json_ = {"Content-Type": "application/json"}
# The token is in the environment only, never on a command line seen inside.
lines = [open(p, "rb").read() for p in glob.glob("/proc/[0-9]*/cmdline")]
print(host_port(int(sys.argv[1])), status(json_),
      status({**json_, "Authorization": "Bearer bridge-guess"}),
      status({"Content-Type": "text/plain", "Authorization": "Bearer " + token}),
      status(json_, Unix("localhost")),
      status({**json_, "Authorization": "Bearer " + token}),
      status({**json_, "x-api-key": token}, Unix("localhost")),
      any(token.encode() in line for line in lines))
'''


@pytest.fixture(scope="module")
def host_port() -> Iterator[int]:
    """A port listening on the host's loopback: nothing inside may reach it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize("backend", [
    pytest.param("bwrap", marks=needs_bwrap()), pytest.param("docker", marks=needs_docker())])
def test_from_inside_only_the_token_holder_reaches_the_model(backend: str, host_port: int,
                                                             tmp_path: Path) -> None:
    write(tmp_path / "probe.py", PROBE)
    write(tmp_path / "data.jsonl", json.dumps(
        {"input": "ping", "target": "refused", "files": {"probe.py": "probe.py"}}))
    suite = write(tmp_path / "s.yml", SUITE.format(sandbox=SANDBOXES[backend], port=host_port))
    (log,) = evalrunner.eval(suite, log_dir=str(tmp_path / "logs"), display="none")
    (sample,) = log.samples or []
    assert sample.error is None, sample.error
    # Host port refused; no token, a guessed one: 401; text/plain: 415; straight to the
    # socket without the token: 401; the agent's own calls (either header): 200.
    assert sample.output.completion == "refused 401 401 415 401 200 200 False"
    models = [e for e in sample.events if e.event == "model"]
    assert len(models) == 2 and all(m.output == "pong" for m in models)
    # The sample's socket folder (bwrap: inside its folder) went with the sample.
    left = Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}{backend}-{log.eval.run_id}-*")
    assert not list(left)


@needs_docker()
def test_a_killed_runs_socket_folder_is_found_by_sandbox_cleanup() -> None:
    folder = make_workdir("docker", "bridgedeadrun", "1")
    try:
        found = asyncio.run(DockerBackend.leftovers("bridgedeadrun"))
        assert [item.what for item in found] == [f"folder {folder}"]
        asyncio.run(found[0].remove())
        assert not folder.exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
