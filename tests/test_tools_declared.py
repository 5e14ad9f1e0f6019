"""Tools declared in YAML: a command tool and an HTTP tool, run for real; their checks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import run_cli, write
from tests.servers.openai_server import ServerHandle, start_openai_server
from tests.servers.scripted_server import scripted_reply

CAPITALS = {"France": "Paris", "Japan": "Tokyo"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(responder=scripted_reply) as handle:
        yield handle


@pytest.fixture
def capitals() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local JSON API: POST /capital {"country": ...}; its URL and the requests it got."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "body": body, "accept": self.headers["Accept"]})
            capital = CAPITALS.get(body.get("country"))
            status, reply = (200, {"capital": capital}) if capital else (404, {"error": "unknown"})
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def run(server: ServerHandle, suite: Path | str, tmp_path: Path, *extra: str) -> EvalLog:
    result = run_cli(
        "run", str(suite), "--model", "openai-api/test/small", "--log-dir", str(tmp_path / "logs"),
        "--display", "plain", *extra,
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    return read_eval_log(log_file)


def tool_messages(log: EvalLog) -> list[Any]:
    return [m for m in log.samples[0].messages if m.role == "tool"]


def test_command_tool_lists_a_folder(server: ServerHandle, tmp_path: Path) -> None:
    log = run(server, "suites/tools/command_tool.yml", tmp_path)
    (message,) = tool_messages(log)
    assert message.error is None and message.text.split() == ["notes.txt"]
    assert log.samples[0].scores["includes"].value == "C"
    request = next(r.body for r in reversed(server.requests) if r.body.get("tools"))
    (declared,) = request["tools"]
    assert declared["function"]["name"] == "list_dir"
    assert declared["function"]["parameters"]["required"] == ["dir"]
    assert declared["function"]["parameters"]["properties"]["all"]["type"] == "boolean"


def test_command_tool_arguments_are_checked_and_never_reach_a_shell(
    server: ServerHandle, tmp_path: Path
) -> None:
    suite = write(tmp_path / "s.yml", """
tools:
  echo_it:
    description: Echo a text.
    parameters: {text: string, times: {type: integer, default: 1}}
    run: [echo, "{{ text }}", "{{ times }}"]
tasks:
  - dataset:
      samples:
        - input: |
            CALL echo_it {"text": "$(touch pwned); x", "times": 2}
            CALL echo_it {"text": "hi", "times": "two"}
            CALL echo_it {"words": "hi"}
    plan: [{use_tools: [echo_it]}, generate]
""")
    log = run(server, suite, tmp_path)
    ok, wrong_type, unknown = tool_messages(log)
    assert ok.text == "$(touch pwned); x 2\n" and not (tmp_path / "pwned").exists()
    assert wrong_type.error == "invalid arguments for 'echo_it': times: 'two' is not of type " \
                               "'integer'"
    assert "'text' is a required property" in unknown.error
    assert "'words' was unexpected" in unknown.error
    assert log.samples[0].error is None  # tool errors go to the model, the sample goes on


def test_http_tool_posts_to_a_local_api(server: ServerHandle, tmp_path: Path,
                                        capitals: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = capitals
    log = run(server, "suites/tools/http_tool.yml", tmp_path, "-T", f"api={url}")
    assert received == [{"path": "/capital", "body": {"country": "France"},
                         "accept": "application/json"}]
    (message,) = tool_messages(log)
    assert json.loads(message.text) == {"capital": "Paris"}
    assert log.samples[0].scores["includes"].value == "C"


def test_http_tool_error_status_is_a_tool_error(server: ServerHandle, tmp_path: Path,
                                                capitals: tuple[str, list[dict[str, Any]]]
                                                ) -> None:
    url, _ = capitals
    suite = write(tmp_path / "s.yml", f"""
tools:
  lookup:
    description: Capital of a country.
    parameters: {{country: string}}
    http: {{method: POST, url: "{url}/capital", body: {{country: "{{{{ country }}}}"}}}}
tasks:
  - dataset:
      samples:
        - input: |
            CALL lookup {{"country": "Atlantis"}}
    plan: [{{use_tools: [lookup]}}, generate]
""")
    log = run(server, suite, tmp_path)
    (message,) = tool_messages(log)
    assert message.error == 'HTTP 404: {"error": "unknown"}'


def test_bad_declarations_are_located_errors(tmp_path: Path) -> None:
    suite = write(tmp_path / "bad.yml", """
tools:
  both:
    description: Has no way to run.
  typo:
    description: Uses an unknown argument.
    parameters: {dir: string}
    run: [ls, "{{ folder }}"]
  badtype:
    description: A parameter of no known type.
    parameters: {n: int}
    run: [echo]
tasks:
  - dataset: {samples: [{input: x}]}
    plan: [{use_tools: [typo, lookup]}, generate]
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{suite}:3:3: tool 'both': a declared tool needs exactly one")
               for line in lines)
    assert any(line.startswith(f"{suite}:8:15: tool 'typo': uses folder, which is not a "
                               "parameter") for line in lines)
    assert any(line.startswith(f"{suite}:11:21:") and "must be one of" in line for line in lines)
    assert any(line.startswith(f"{suite}:15:31: unknown tool 'lookup'") for line in lines)
