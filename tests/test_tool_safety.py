"""What a model can reach through tools: no provider key in a tool's environment, no option
smuggled into a command, no query injected into a URL."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from evalrunner.tools._environment import tool_environment
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

KEY = "sk-provider-key-0123456789"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


def run(server: ServerHandle, suite: Path, tmp_path: Path, **env: str) -> EvalLog:
    result = run_cli(
        "run", str(suite), "--model", "openai-api/test/small", "--log-dir", str(tmp_path / "logs"),
        "--display", "plain",
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key", "OPENAI_API_KEY": KEY,
             "ANTHROPIC_API_KEY": KEY + "-a", **env},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    return read_eval_log(log_file)


def tool_texts(log: EvalLog) -> list[str]:
    return [m.text if m.error is None else f"ERROR {m.error}"
            for m in log.samples[0].messages if m.role == "tool"]


def test_environment_has_the_basics_and_what_is_passed_on() -> None:
    source = {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "OPENAI_API_KEY": KEY,
              "MY_APP_A": "1", "MY_APP_B": "2", "OTHER": "x"}
    assert tool_environment(source=source) == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C"}
    env = tool_environment(["MY_APP_*"], {"SET": "y"}, source=source)
    assert env == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "MY_APP_A": "1",
                   "MY_APP_B": "2", "SET": "y"}


def test_bash_and_python_tools_do_not_see_provider_keys(server: ServerHandle,
                                                        tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tools:
  passing:
    description: Run a shell command.
    parameters: {cmd: string}
    run: [bash, -c, "{{ cmd }}"]
    end_of_options: false
    pass_env: [ALLOWED_*]
tasks:
  - dataset:
      samples:
        - input: |
            CALL bash {"cmd": "env"}
            CALL python {"code": "import os; print(dict(os.environ))"}
            CALL passing {"cmd": "echo $ALLOWED_VAR $OPENAI_API_KEY"}
    plan:
      - use_tools: [bash, python, passing]
      - generate
""")
    log = run(server, suite, tmp_path, ALLOWED_VAR="visible")
    bash_out, python_out, passed = tool_texts(log)
    for text in (bash_out, python_out, passed):
        assert KEY not in text and "TEST_API_KEY" not in text, text
    assert "PATH=" in bash_out and "'PATH'" in python_out
    assert passed.strip() == "***"  # passed on, and redacted as every pass_env value is


def test_bash_tool_pass_env_names_variables(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
tasks:
  - dataset:
      samples:
        - input: |
            CALL bash {"cmd": "echo [$ALLOWED_VAR] [$OPENAI_API_KEY]"}
    plan:
      - use_tools: [{bash: {pass_env: [ALLOWED_VAR]}}]
      - generate
""")
    log = run(server, suite, tmp_path, ALLOWED_VAR="visible")
    assert tool_texts(log) == ["[***] []"]  # passed on (and redacted in the log); no key


def test_model_operands_come_after_end_of_options(server: ServerHandle, tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("b\na\n")
    suite = write(tmp_path / "s.yml", """
tools:
  sort_file:
    description: Sort the lines of a file.
    parameters: {file: string}
    run: [sort, "{{ file }}"]
  sort_strict:
    description: Sort the lines of a file.
    parameters: {file: string}
    run: [sort, "{{ file }}"]
    end_of_options: false
tasks:
  - dataset:
      samples:
        - input: |
            CALL sort_file {"file": "--output=written.txt"}
            CALL sort_file {"file": "data.txt"}
            CALL sort_strict {"file": "--output=written.txt"}
    plan: [{use_tools: [sort_file, sort_strict]}, generate]
""")
    log = run(server, suite, tmp_path)
    as_option, sorted_ok, refused = tool_texts(log)
    assert not (tmp_path / "written.txt").exists()
    assert as_option.startswith("ERROR exit code 2") and "--output=written.txt" in as_option
    assert sorted_ok == "a\nb\n"
    assert refused.startswith("ERROR argument '--output=written.txt' starts with '-'")


@pytest.fixture
def echo_server() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server that records each request's path and query."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.path)
            data = json.dumps({"path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def test_http_tool_url_encodes_model_arguments(server: ServerHandle, tmp_path: Path,
                                               echo_server: tuple[str, list[str]]) -> None:
    url, received = echo_server
    suite = write(tmp_path / "s.yml", f"""
tools:
  lookup:
    description: Look up a city.
    parameters: {{city: string}}
    http: {{url: "{url}/city/{{{{ city }}}}?q={{{{ city }}}}&limit=1"}}
tasks:
  - dataset:
      samples:
        - input: |
            CALL lookup {{"city": "../admin?x=1&limit=100#"}}
    plan: [{{use_tools: [lookup]}}, generate]
""")
    run(server, suite, tmp_path)
    assert received == ["/city/..%2Fadmin%3Fx%3D1%26limit%3D100%23"
                        "?q=..%2Fadmin%3Fx%3D1%26limit%3D100%23&limit=1"]


@pytest.fixture
def echoing_api() -> Iterator[str]:
    """An API that refuses every request and quotes its headers and URL back (as some do)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps({"error": "denied", "url": self.path,
                               "headers": dict(self.headers)}).encode()
            self.send_response(401)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_http_tool_credentials_echoed_back_never_reach_the_log(
    server: ServerHandle, tmp_path: Path, echoing_api: str
) -> None:
    suite = write(tmp_path / "s.yml", f"""
tools:
  lookup:
    description: Look up a city.
    parameters: {{city: string}}
    http:
      url: "{echoing_api}/city?q={{{{ city }}}}&api_key=${{{{ env.CITY_URL_KEY }}}}"
      headers:
        Authorization: "Bearer ${{{{ env.CITY_TOKEN }}}}"
        X-Api-Key: "${{{{ env.CITY_KEY }}}}"
tasks:
  - dataset:
      samples:
        - input: |
            CALL lookup {{"city": "Paris"}}
    plan: [{{use_tools: [lookup]}}, generate]
""")
    secrets = {"CITY_TOKEN": "tok-abcdef-123456", "CITY_KEY": "key-ghijkl-789012",
               "CITY_URL_KEY": "url-mnopqr-345678"}
    log = run(server, suite, tmp_path, **secrets)
    (text,) = tool_texts(log)
    assert text.startswith("ERROR HTTP 401") and "denied" in text and "***" in text
    (log_file,) = (tmp_path / "logs").glob("*.json")
    written = log_file.read_text()
    for value in secrets.values():
        assert value not in written
    # The model was not sent them either (the tool error is the next request's input).
    assert not any(value in json.dumps(r.body) for r in server.requests
                   for value in secrets.values())


# The environment block of its parent and of every process the command can see (the
# lines that matter: a long listing would be cut at the tool's output limit).
ENVIRON_PROBE = ("{ tr '\\0' '\\n' < /proc/$PPID/environ; for f in /proc/[0-9]*/environ; do "
                 "tr '\\0' '\\n' < $f; done; } 2>/dev/null | grep -a -e KEY -e ^PATH= | sort -u; "
                 "echo probe-done")
# evalrunner's block by its pid: an ancestor of the shell (found by walking up to init).
WALK = ("p=$$; while [ \"$p\" -gt 1 ]; do tr '\\0' '\\n' < /proc/$p/environ | grep -a KEY; "
        "p=$(cut -d' ' -f4 /proc/$p/stat); done; echo walk-done")


@pytest.mark.skipif(shutil.which("bwrap") is None and not os.environ.get(
    "EVALRUNNER_REQUIRE_SANDBOXES"), reason="commands on this machine need bubblewrap")
@pytest.mark.parametrize("sandbox", ["none", "local"])
def test_commands_on_this_machine_cannot_read_evalrunners_environment(
    sandbox: str, server: ServerHandle, tmp_path: Path
) -> None:
    python_probe = ("import os, glob\nfor p in glob.glob('/proc/[0-9]*/environ') + "
                    "[f'/proc/{os.getppid()}/environ']:\n"
                    "    try: block = open(p, 'rb').read()\n    except OSError: continue\n"
                    "    print([v for v in block.split(bytes(1)) if b'KEY' in v])\n"
                    "print('python-done')")
    suite = write(tmp_path / "s.yml", f"""
{"sandbox: local" if sandbox == "local" else ""}
tasks:
  - dataset:
      samples:
        - input: |
            CALL bash {json.dumps({"cmd": ENVIRON_PROBE})}
            CALL python {json.dumps({"code": python_probe})}
            CALL bash {json.dumps({"cmd": WALK})}
    plan:
      - use_tools: [bash, python]
      - generate
""")
    result = run_cli(
        "run", str(suite), "--model", "openai-api/test/small", "--log-dir", str(tmp_path / "logs"),
        "--display", "plain", env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
                                   "OPENAI_API_KEY": KEY})
    assert result.returncode == 0, result.stdout + result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    log = read_eval_log(log_file)
    outputs = tool_texts(log)
    for text in outputs:
        assert KEY not in text and "test-key" not in text, text
    assert "probe-done" in outputs[0] and "python-done" in outputs[1] and "walk-done" in outputs[2]
    assert "PATH=" in outputs[0]  # the probes did read environments: their own
    assert KEY not in log_file.read_text()
    if sandbox == "none":  # as `local` warns, so do tools run without a sandbox
        assert "runs without a sandbox" in result.stderr
