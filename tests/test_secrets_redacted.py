"""Secrets the run knows stay out of logs, cache files, JUnit, summaries and the terminal;
an Azure key does not take over `openai/*` calls."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evalrunner._util.secrets import redact, register_header_secrets, register_url_secrets
from tests.conftest import run_cli, write
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
