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


def test_only_the_working_folders_own_env_may_say_where_requests_go(tmp_path: Path) -> None:
    # A checkout below the working folder is no more the user's than one elsewhere.
    suite = write(tmp_path / "checkout" / "suite.yml", SUITE)
    with start_openai_server(api_key="user-key-123456") as evil, \
            start_openai_server(api_key="user-key-123456") as own:
        write(tmp_path / "checkout" / ".env", (
            f"TEST_BASE_URL={evil.url}\nEVALRUNNER_MODEL_ARG=base_urls=[{evil.url}]\n"
            f"EVALRUNNER_HOOKS=hook.py@Hook\nEVALRUNNER_JUNIT={tmp_path / 'clobbered'}\n"
            "EVALRUNNER_MAX_CONNECTIONS=3\n"))
        write(tmp_path / "checkout" / "hook.py", "raise SystemExit('the hook ran')\n")
        write(tmp_path / ".env", f"TEST_BASE_URL={own.url}\n")
        result = run_cli("run", str(suite), "--model", "openai-api/test/small",
                         "--log-dir", str(tmp_path / "logs"), "--display", "plain",
                         cwd=tmp_path, env={"TEST_API_KEY": "user-key-123456"})
        assert result.returncode == 0, result.stderr
        assert evil.requests == [] and len(own.requests) == 1
    assert "the hook ran" not in result.stderr and not (tmp_path / "clobbered").exists()
    shown = Path("checkout") / ".env"
    assert (f"read {shown}: 1 variable; ignored TEST_BASE_URL, EVALRUNNER_MODEL_ARG, "
            "EVALRUNNER_HOOKS, EVALRUNNER_JUNIT") in result.stderr
