"""A suite is data until the user says otherwise: it cannot send the user's key to an
address of its choosing, `validate --no-code` imports none of its Python, and a dataset's
`files` stay inside the dataset's folder."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server

KEY = "user-key-123456"


def _suite(folder: Path, url: str, extra: str = "", roles: str = "") -> Path:
    return write(folder / "suite.yml", f"""
model_args: {{base_urls: ["{url}"]{extra}}}
tasks: [{{dataset: {{samples: [{{input: hello}}]}}, plan: [generate]}}]
{roles}""")


def test_a_suites_own_address_does_not_get_the_users_key(tmp_path: Path) -> None:
    with start_openai_server(api_key=KEY) as evil:
        suite = _suite(tmp_path, evil.url, roles=(
            f"model_roles: {{grader: {{model: openai-api/test/g, base_url: '{evil.url}'}}}}\n"))
        args = ["run", str(suite), "--model", "openai-api/test/small", "--display", "plain",
                "--log-dir", str(tmp_path / "logs")]
        refused = run_cli(*args, env={"TEST_API_KEY": KEY})
        assert refused.returncode == 2 and evil.requests == []
        assert f"{suite}:2:13: model 'openai-api/test/small': the suite sends requests to its " \
            "own address" in refused.stderr
        assert f"{suite}:4:15: role 'grader': the suite sends requests to its own address " \
            f"({evil.url})" in refused.stderr
        assert "--trust" in refused.stderr
        trusted = run_cli(*args, "--trust", env={"TEST_API_KEY": KEY})
        assert trusted.returncode == 0, trusted.stderr
        assert len(evil.requests) == 1  # the user said so


def test_a_suites_own_address_with_its_own_key_is_allowed(tmp_path: Path) -> None:
    with start_openai_server(api_key="suite-key-98765") as theirs:
        suite = _suite(tmp_path, theirs.url, ', api_key: "suite-key-98765"')
        result = run_cli("run", str(suite), "--model", "openai-api/test/small",
                         "--display", "plain", "--log-dir", str(tmp_path / "logs"),
                         env={"TEST_API_KEY": KEY})
        assert result.returncode == 0, result.stderr
        assert [r.headers["authorization"] for r in theirs.requests] == [
            "Bearer suite-key-98765"]


def test_validate_no_code_imports_nothing_and_says_what(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    for name in ("solvers.py", "scorers.py"):
        write(tmp_path / name, f"open({str(marker)!r}, 'a').write('{name} ')\n"
                               "def run(*a, **k): pass\n")
    suite = write(tmp_path / "suite.yml", """
model: mockllm/model
tasks:
  - name: t
    dataset: {samples: [{input: hello}]}
    plan: [solvers.py@run, generate, {nosuchsolver: {}}]
    scorer: scorers.py@run
    thresholds: {accuracy: 0.5}
""")
    result = run_cli("validate", str(suite), "--no-code")
    assert not marker.exists()
    assert "not imported (--no-code), so not checked: solvers.py@run, scorers.py@run" \
        in result.stderr
    # Everything that needs no import is still checked, located.
    assert result.returncode == 2
    assert f"{suite}:6:39: unknown solver 'nosuchsolver'" in result.stderr
    assert run_cli("validate", str(suite)).returncode == 2 and marker.exists()


def test_dataset_files_stay_in_the_datasets_folder(tmp_path: Path) -> None:
    write(tmp_path / "secret.txt", "host-secret-canary")
    data = tmp_path / "data"
    write(data / "ok.txt", "fine")
    write(data / "samples.jsonl", "\n".join([
        '{"input": "a", "files": {"/root/ok.txt": "ok.txt"}}',
        '{"input": "b", "files": {"/root/x.txt": "../secret.txt"}}',
        f'{{"input": "c", "files": {{"/root/y.txt": "{tmp_path / "secret.txt"}"}}}}',
    ]) + "\n")
    (data / "link.txt").symlink_to(tmp_path / "secret.txt")
    write(data / "more.jsonl", '{"input": "d", "files": {"/root/z.txt": "link.txt"}}\n')
    suite = write(tmp_path / "suite.yml", """
model: mockllm/model
sandbox: local
tasks:
  - {name: a, dataset: {path: data/samples.jsonl}, plan: [generate]}
  - {name: b, dataset: {path: data/more.jsonl}, plan: [generate]}
""")
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    err = result.stderr
    assert "host-secret-canary" not in err
    assert "samples.jsonl:2" in err and "'../secret.txt' leads out of the dataset's folder" in err
    assert "samples.jsonl:3" in err and "is an absolute path" in err
    assert "more.jsonl:1" in err and "'link.txt' is a link out of the dataset's folder" in err
    assert "samples.jsonl:1" not in err


def test_a_logs_addresses_do_not_get_the_users_key_on_retry(tmp_path: Path) -> None:
    """`retry` takes a log's model, args and roles: an address a log names (here a log from
    elsewhere, edited to point at another server) is the log's, not the user's."""
    import json

    suite = write(tmp_path / "suite.yml",
                  "tasks: [{name: t, dataset: {samples: [{input: hello}]}, plan: [generate]}]\n")
    env = {"TEST_API_KEY": KEY}
    with start_openai_server(api_key=KEY) as own, start_openai_server(api_key=KEY) as evil:
        made = run_cli("run", str(suite), "--model", "openai-api/test/small", "--display",
                       "none", "--log-dir", str(tmp_path / "made"), "-M",
                       f"base_urls=[{own.url}]", env=env)
        assert made.returncode == 0, made.stderr
        log = json.loads(next((tmp_path / "made").glob("*.json")).read_text("utf-8"))
        log.update(status="error", samples=[], results=None)
        logs = tmp_path / "logs"
        logs.mkdir()
        # One log names its own base URLs and a grader's address, the other a base URL.
        log["eval"]["model_args"] = {"base_urls": [evil.url]}
        log["eval"]["model_roles"] = {"grader": {"model": "openai-api/test/g",
                                                 "base_url": evil.url}}
        args_log = logs / "args.json"
        args_log.write_text(json.dumps(log, indent=2), "utf-8")
        log["eval"].update(model_args={}, model_roles={}, model_base_url=evil.url)
        url_log = logs / "url.json"
        url_log.write_text(json.dumps(log, indent=2), "utf-8")
        lines = {name: path.read_text("utf-8").splitlines()
                 for name, path in (("args", args_log), ("url", url_log))}

        def where(name: str, key: str) -> str:
            line = next(i for i, text in enumerate(lines[name]) if f'"{key}"' in text)
            return f"{logs / name}.json:{line + 1}:{lines[name][line].index(chr(34)) + 1}"

        refused = run_cli("retry", str(args_log), str(url_log), "--display", "none", env=env)
        assert refused.returncode == 2, refused.stderr
        assert evil.requests == [] and len(own.requests) == 1  # nothing before the refusal
        err = refused.stderr
        assert f"{where('args', 'model_args')}: model 'openai-api/test/small': the log sends " \
            f"requests to its own address ({evil.url})" in err
        assert f"{where('args', 'model_roles')}: role 'grader': the log sends requests" in err
        assert f"{where('url', 'model_base_url')}: model 'openai-api/test/small'" in err
        assert "--trust" in err and KEY not in err
        # `score` grades with the log's models: the same rule, before any call.
        scored = run_cli("score", "log", str(args_log), "--scorer", "model_graded_qa",
                         "--no-overwrite", env=env)
        assert scored.returncode == 2 and evil.requests == [], scored.stderr
        assert f"{where('args', 'model_args')}: model 'openai-api/test/small': the log sends " \
            "requests to its own address" in scored.stderr
        # The user's own address for the second log: allowed, and the log's is not used.
        mine = run_cli("retry", str(url_log), "--model-base-url", own.url, "--display", "none",
                       env=env)
        assert mine.returncode == 0, mine.stderr
        assert evil.requests == [] and len(own.requests) == 2
        trusted = run_cli("retry", str(args_log), "--trust", "--display", "none", env=env)
        assert trusted.returncode == 0, trusted.stderr
        assert len(evil.requests) == 1  # the user said so
