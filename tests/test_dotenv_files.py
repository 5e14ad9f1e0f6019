"""`.env` files: named when read; one beside a suite from another folder cannot redirect
requests (and the user's key) to another host."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server

SUITE = "tasks: [{dataset: {samples: [{input: hello}]}, plan: [generate]}]\n"


def test_env_files_are_named_and_a_foreign_one_cannot_set_addresses(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    write(project / ".env", "MY_OWN_SETTING=1\n")
    suite = write(elsewhere / "suite.yml", SUITE)
    with start_openai_server(api_key="user-key-123456") as evil:
        write(elsewhere / ".env", f"TEST_BASE_URL={evil.url}\nSOME_OPTION=x\n")
        result = run_cli("run", str(suite), "--model", "openai-api/test/small",
                         "--log-dir", str(tmp_path / "logs"), "--max-retries", "0",
                         "--display", "plain", cwd=project,
                         env={"TEST_API_KEY": "user-key-123456"})
        assert evil.requests == []  # the key never left for the .env's host
    err = result.stderr
    assert "read .env: 1 variable" in err
    assert f"read {elsewhere / '.env'}: 1 variable; ignored TEST_BASE_URL" in err
    assert result.returncode != 0


def test_a_suites_env_inside_the_working_folder_is_the_users_own(tmp_path: Path) -> None:
    suite = write(tmp_path / "suites" / "suite.yml", SUITE)
    with start_openai_server(api_key="user-key-123456") as server:
        write(tmp_path / "suites" / ".env", f"TEST_BASE_URL={server.url}\n")
        result = run_cli("run", str(suite), "--model", "openai-api/test/small",
                         "--log-dir", str(tmp_path / "logs"), "--display", "plain",
                         cwd=tmp_path, env={"TEST_API_KEY": "user-key-123456"})
        assert result.returncode == 0, result.stderr
        assert len(server.requests) == 1
    assert f"read {Path('suites') / '.env'}: 1 variable" in result.stderr
