"""Secrets the run knows stay out of logs, cache files, JUnit, summaries and the terminal;
an Azure key does not take over `openai/*` calls."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner._util.secrets import redact, register_header_secrets, register_url_secrets
from tests.conftest import run_cli, write
from tests.extras import needs_extra
from tests.servers.openai_server import ServerHandle, start_openai_server


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server() as handle:  # echoes the last user message
        yield handle


def test_credentials_of_urls_and_headers_are_registered() -> None:
    register_url_secrets("https://user:pa%24s-word1@host/v1?api-version=2024-10-21"
                         "&sig=abc%2Fdef123&token=tok-0987654")
    register_header_secrets({"Authorization": "Bearer bearer-123456",
                             "Accept": "application/json"})
    text = ("pa$s-word1 pa%24s-word1 abc/def123 abc%2Fdef123 tok-0987654 bearer-123456 "
            "2024-10-21 application/json")
    assert redact(text) == "*** *** *** *** *** *** 2024-10-21 application/json"


def test_an_azure_key_does_not_reroute_openai_calls(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", "tasks: [{dataset: {samples: [{input: hello}]}, "
                                      "plan: [generate]}]\n")
    result = run_cli(
        "run", str(suite), "--model", "openai/small", "--log-dir", str(tmp_path / "logs"),
        "--display", "plain", "--max-retries", "0",
        env={"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": server.url,
             "AZUREAI_OPENAI_API_KEY": "azure-key-123456",
             "AZUREAI_OPENAI_BASE_URL": "http://127.0.0.1:9/azure"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert [r.body["model"] for r in server.requests[-1:]] == ["small"]


def test_a_token_in_the_base_url_is_not_logged(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", "tasks: [{dataset: {samples: [{input: hello}]}, "
                                      "plan: [generate]}]\n")
    token = "qs-token-5551234"
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.md"
    result = run_cli(
        "run", str(suite), "--model", "openai-api/test/small", "--log-dir", str(tmp_path / "logs"),
        "--model-base-url", f"http://127.0.0.1:9/v1?api_key={token}", "--max-retries", "0",
        "--display", "plain", "--junit", str(junit), "--summary", str(summary),
        env={"TEST_API_KEY": "test-key"},
    )
    assert result.returncode != 0
    (log_file,) = (tmp_path / "logs").glob("*.json")
    for text in (log_file.read_text(), result.stdout, result.stderr, junit.read_text(),
                 summary.read_text()):
        assert token not in text
    assert "api_key=***" in log_file.read_text()
    # A retry cannot use the logged URL: it asks for the URL again instead of calling `***`.
    retried = run_cli("retry", str(log_file), env={"TEST_API_KEY": "test-key"})
    assert retried.returncode == 2
    assert "held a secret" in retried.stderr and "--model-base-url" in retried.stderr
    assert token not in retried.stderr


def test_cache_files_do_not_hold_the_provider_key(server: ServerHandle, tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", """
config: {cache: true}
tasks: [{dataset: {samples: [{input: "Repeat my key: test-key"}]}, plan: [generate]}]
""")
    cache = tmp_path / "cache"
    result = run_cli(
        "run", str(suite), "--model", "openai-api/test/small", "--log-dir", str(tmp_path / "logs"),
        "--display", "plain",
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
             "EVALRUNNER_CACHE_DIR": str(cache)},
    )
    assert result.returncode == 0, result.stderr
    entries = list(cache.rglob("*.json"))
    assert entries
    for entry in entries:
        text = entry.read_text()
        assert "Repeat my key" in text and "test-key" not in text


CANARIES = {
    "CANARY_PASS": "pass-env-canary-4711",  # passed on by name (pass_env)
    "CANARY_TOOL": "tool-env-canary-4712",  # a command tool's env, from ${{ env.X }}
    "CANARY_BRIDGE": "bridge-env-canary-4713",  # a bridged agent's env
    "CANARY_HEADER": "mcp-header-canary-4714",  # an MCP server's Authorization header
    "CANARY_MCP_ENV": "mcp-env-canary-4715",  # an MCP server's env
}
MCP_PASSWORD = "mcp-url-canary-4716"  # the password of an MCP server's URL


def _sinks_of_a_run(tmp_path: Path, suite_text: str) -> str:
    """Everything a run of `suite_text` shows or writes (output, log, export), joined."""
    from tests.servers.scripted_server import scripted_reply

    suite = write(tmp_path / "s.yml", suite_text)
    logs, export = tmp_path / "logs", tmp_path / "export"
    with start_openai_server(responder=scripted_reply) as model:
        result = run_cli("run", str(suite), "--model", "openai-api/test/small",
                         "--log-dir", str(logs), "--display", "plain", "--max-retries", "0",
                         "--fail-on-error", "false",
                         env={"TEST_BASE_URL": model.url, "TEST_API_KEY": "test-key",
                              **CANARIES})
    texts = [result.stdout, result.stderr]
    texts += [f.read_text() for f in logs.glob("*.json")]
    exported = run_cli("export", str(logs), "--format", "inspect", "--output", str(export))
    assert exported.returncode == 0, result.stderr + exported.stderr
    texts += [exported.stdout, exported.stderr]
    for file in export.glob("*.eval"):
        with zipfile.ZipFile(file) as z:
            texts += [z.read(name).decode() for name in z.namelist()]
    joined = "\n".join(texts)
    for canary in [*CANARIES.values(), MCP_PASSWORD]:
        assert canary not in joined, canary
    return joined


def test_a_canary_secret_of_each_source_reaches_no_sink(tmp_path: Path) -> None:
    import sys

    joined = _sinks_of_a_run(tmp_path, f"""
tools:
  show:
    description: Show the configuration.
    parameters: {{}}
    run: [sh, -c, 'echo "$CANARY_PASS $TOOL_TOKEN"']
    pass_env: [CANARY_PASS]
    env: {{TOOL_TOKEN: "${{{{ env.CANARY_TOOL }}}}"}}
tasks:
  - name: tool
    dataset: {{samples: [{{input: "CALL show {{}}"}}]}}
    plan: [{{use_tools: [show]}}, generate]
  - name: bridged
    dataset: {{samples: [{{input: hi}}]}}
    plan:
      - bridge:
          command: ["{sys.executable}", -c, "import os; print(os.environ['AGENT_KEY'])"]
          env: {{AGENT_KEY: "${{{{ env.CANARY_BRIDGE }}}}"}}
""")
    assert "*** ***" in joined  # the tool printed both of its variables, redacted


@needs_extra("mcp", "mcp")
def test_a_canary_secret_of_an_mcp_server_reaches_no_sink(tmp_path: Path) -> None:
    import sys

    joined = _sinks_of_a_run(tmp_path, f"""
tasks:
  - name: mcp
    dataset: {{samples: [{{input: "CALL add {{}}"}}]}}
    plan:
      - use_tools:
          - mcp:
              url: "http://user:{MCP_PASSWORD}@127.0.0.1:9/mcp"
              headers: {{Authorization: "Bearer ${{{{ env.CANARY_HEADER }}}}"}}
      - use_tools:
          - mcp:
              command: ["{sys.executable}", -c, "import sys; sys.exit(1)"]
              env: {{SERVICE_SETTING: "${{{{ env.CANARY_MCP_ENV }}}}"}}
      - generate
""")
    assert '"Authorization":"***"' in joined  # the header was there, redacted


def test_every_url_of_base_urls_is_redacted(tmp_path: Path) -> None:
    suite = write(tmp_path / "s.yml", "tasks: [{dataset: {samples: [{input: hello}]}, "
                                      "plan: [generate]}]\n")
    urls = "[http://127.0.0.1:9/v1?api_key=first-token-1234,http://127.0.0.1:9/v1?api_key=second-token-5678]"
    result = run_cli("run", str(suite), "--model", "openai-api/test/small", "-M",
                     f"base_urls={urls}", "--log-dir", str(tmp_path / "logs"), "--max-retries",
                     "0", "--display", "plain", env={"TEST_API_KEY": "test-key"})
    assert result.returncode != 0
    (log_file,) = (tmp_path / "logs").glob("*.json")
    for text in (log_file.read_text(), result.stdout, result.stderr):
        assert "first-token-1234" not in text and "second-token-5678" not in text


def test_the_viewer_and_export_redact_a_key_of_their_environment(tmp_path: Path) -> None:
    # A log written elsewhere holds this machine's key (a model quoted it): never served.
    import json
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.viewer_logs import write_log

    write_log(tmp_path / "logs" / "a.json", 2)
    file = tmp_path / "logs" / "a.json"
    file.write_text(file.read_text().replace("arithmetic", "arith viewer-key-canary-99"))
    env = {"OPENAI_API_KEY": "viewer-key-canary-99"}
    exported = run_cli("export", str(tmp_path / "logs"), "--format", "jsonl", env=env)
    assert exported.returncode == 0, exported.stderr
    assert "arith ***" in exported.stdout and "viewer-key-canary-99" not in exported.stdout
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from tests.conftest import ROOT

    viewer = subprocess.Popen(
        [sys.executable, "-m", "evalrunner", "view", "--log-dir", str(tmp_path / "logs"),
         "--port", str(port)], cwd=ROOT, env={**__import__("os").environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = ""
        for _ in range(200):
            try:
                url = f"http://127.0.0.1:{port}/api/logs"
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert json.loads(body) and "arith ***" in body
        assert "viewer-key-canary-99" not in body
    finally:
        viewer.terminate()
        viewer.wait(10)
