"""Sandbox services: code in the sandbox calls the task's functions over the sample's socket
folder, under bubblewrap and in docker (suites/agents/sandbox_service.yml, and in-process)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from evalrunner.sandbox import SandboxError, TaskSandboxes, sandbox, sandbox_spec, serve
from tests.agent_runs import AGENTS, run_shipped
from tests.sandboxes import needs_bwrap, needs_docker

CLIENT = """
import json, socket, sys
sys.path.append("/tmp/evalrunner-services")
import calc
print(calc.add(2, b=3))
try:
    calc.call("nosuch")
except RuntimeError as error:
    print(error)
try:
    calc.fail(reason="bad input")
except RuntimeError as error:
    print(error)
s = socket.socket(socket.AF_UNIX)
s.connect(calc._PATH)
s.sendall(b"not json\\n")
print(s.recv(1000).decode().strip())
s.sendall(json.dumps({"method": "add", "args": [1, 2]}).encode() + b"\\n")  # no token
print(s.recv(1000).decode().strip())
"""


@needs_bwrap()
@needs_docker()
def test_the_shipped_suite_calls_the_tasks_functions_in_bwrap_and_docker(tmp_path: Path
                                                                          ) -> None:
    logs = run_shipped(AGENTS / "sandbox_service.yml", tmp_path)
    assert set(logs) == {"service_bwrap", "service_docker"}
    for log in logs.values():
        sample = log.samples[0]
        said = [m.text for m in sample.messages if m.role == "tool"]
        assert said[0] == "7.5\nrefused: KeyError: 'no price for lamp'"
        assert sample.store["bought"] == [{"item": "pen", "quantity": 3}]  # ran here
        assert sample.scores["match"].value == "C"


async def _add(a: int, b: int) -> int:
    await asyncio.sleep(0)
    return a + b


def _fail(reason: str) -> None:
    raise ValueError(reason)


async def _in_bwrap(tmp_path: Path) -> tuple[str, list[Path]]:
    sandboxes = TaskSandboxes(sandbox_spec("bwrap"), tmp_path, "service-test")
    try:
        async with sandboxes.sample(None, None, None):
            folder = sandbox().socket_folder()
            assert folder is not None
            async with serve("calc", {"add": _add, "fail": _fail}) as module:
                assert module == "/tmp/evalrunner-services/calc.py"
                result = await sandbox().exec(["python3", "-c", CLIENT], timeout=30)
                assert result.success, result.stderr
            return result.stdout, list(folder.iterdir())
    finally:
        await sandboxes.close()


@needs_bwrap()
def test_results_errors_and_bad_requests(tmp_path: Path) -> None:
    out, left = asyncio.run(_in_bwrap(tmp_path))
    assert out.splitlines() == [
        "5",
        "no method 'nosuch' (methods: add, fail)",
        "ValueError: bad input",
        '{"error": "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"}',
        '{"error": "wrong or missing token"}',
    ]
    assert left == []  # the socket is gone with the block


def test_a_sandbox_without_a_socket_folder_and_bad_names_are_refused(tmp_path: Path) -> None:
    async def local() -> None:
        sandboxes = TaskSandboxes(sandbox_spec("local"), tmp_path, "service-test")
        try:
            async with sandboxes.sample(None, None, None), serve("calc", {"fail": _fail}):
                pass
        finally:
            await sandboxes.close()

    with pytest.raises(SandboxError, match="has no way in for services"):
        asyncio.run(local())
    for name, methods in (("a-b", [_fail]), ("calc", {"_x": _fail}), ("calc", {})):
        with pytest.raises(ValueError):
            asyncio.run(serve(name, methods).__aenter__())  # type: ignore[arg-type]
