"""`run --approval FILE`, `--sandbox TYPE[:CONFIG]`, `--max-sandboxes`, `--no-sandbox-cleanup`:
checked like a suite's keys (by `validate` too), then applied to every task."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

import pytest

from evalrunner.log import read_eval_log
from evalrunner.sandbox import sandbox, sandbox_spec
from evalrunner.sandbox._lifecycle import TaskSandboxes, set_sandbox_options
from evalrunner.suite._override_env import approval_option, sandbox_option
from tests.agent_runs import AGENTS
from tests.conftest import run_cli, write
from tests.sandboxes import needs_bwrap

SUITE = """\
name: where
model: mockllm/model
tasks:
  - name: where
    dataset: {samples: [{input: "Where are you?", target: "/root"}]}
    model_args:
      outputs:
        - {function: bash, arguments: {cmd: "pwd; echo kept > marker.txt"}}
        - I am in /root.
    plan: [{use_tools: bash}, generate]
    scorer: includes
"""


def test_bad_options_are_all_reported_at_once_with_their_places(tmp_path: Path) -> None:
    write(tmp_path / "policy.yml", "python: approvers.py@no_such\nbash: {auto: 1, reject: 2}\n")
    shutil.copy(AGENTS / "approvers.py", tmp_path / "approvers.py")
    result = run_cli("validate", str(AGENTS / "approval.yml"), "--approval", "policy.yml",
                     "--sandbox", "docker:missing-compose.yml", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert "policy.yml:1:9: 'no_such' is not defined in approvers.py" in lines
    assert any(line.startswith("policy.yml:2:7: approval 'bash': give an approver name")
               for line in lines)
    assert any(re.match(r"--sandbox:1:1: sandbox compose: .*missing-compose.yml' not found",
                        line) for line in lines)
    assert "3 errors" in lines


def test_approval_file_in_inspects_shape_replaces_the_suites_policy(tmp_path: Path) -> None:
    shutil.copy(AGENTS / "approvers.py", tmp_path / "approvers.py")
    write(tmp_path / "approval.yml", "approvers:\n  - {name: approvers.py@double_it, tools: "
          "python}\n  - {name: reject, tools: '*'}\n")
    result = run_cli("run", f"{AGENTS / 'approval.yml'}@reject", "--approval", "approval.yml",
                     "--log-dir", "logs", "--display", "plain", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    sample = read_eval_log(log_file).samples[0]
    assert [m.text for m in sample.messages if m.role == "tool"] == ["84"]  # not rejected
    (decision,) = [e for e in sample.events if e.event == "approval"]
    assert decision.decision == "modify" and decision.approver.endswith("approvers.py@double_it")


def test_options_compile_like_suite_keys(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM scratch\n")
    write(tmp_path / "compose.yml", "services: {default: {image: x}}\n")
    assert sandbox_option("bwrap", tmp_path) == (sandbox_spec("bwrap"), [])
    built, _ = sandbox_option("docker:Dockerfile", tmp_path)
    assert built is not None and built.build == str(tmp_path / "Dockerfile")
    composed, _ = sandbox_option("docker:compose.yml", tmp_path)
    assert composed is not None and composed.compose == str(tmp_path / "compose.yml")
    image, _ = sandbox_option("docker:evalrunner-agents:bookworm", tmp_path)
    assert image is not None and image.image == "evalrunner-agents:bookworm"
    mapping, _ = sandbox_option("{type: bwrap, memory: 1g}", tmp_path)
    assert mapping is not None and mapping.memory == "1g"
    _, errors = sandbox_option("{type: bwrap, image: x}", tmp_path)
    assert "not a setting of the bwrap backend" in str(errors[0])
    write(tmp_path / "p.yml", "bash: human\n'*': {reject: {explanation: not now}}\n")
    rules, errors = approval_option("p.yml", tmp_path)
    assert errors == [] and rules == {"bash": "human", "*": {"reject": {"explanation": "not now"}}}
    _, errors = approval_option("p.yml", tmp_path / "elsewhere")
    assert "cannot read p.yml" in str(errors[0])


@needs_bwrap()
def test_sandbox_option_runs_tools_in_it_and_keeps_it_when_asked(tmp_path: Path) -> None:
    suite = write(tmp_path / "where.yml", SUITE)
    result = run_cli("run", str(suite), "--sandbox", "bwrap", "--no-sandbox-cleanup",
                     "--log-dir", str(tmp_path / "logs"), "--display", "plain")
    assert result.returncode == 0, result.stderr
    (log_file,) = (tmp_path / "logs").glob("*.json")
    log = read_eval_log(log_file)
    said = [m.text for m in log.samples[0].messages if m.role == "tool"]
    assert said == ["/root"]  # in bwrap's working folder, not this machine's
    kept = re.search(r"sandbox kept \(--no-sandbox-cleanup\): bwrap (\S+);", result.stderr)
    assert kept is not None, result.stderr
    folder = Path(kept.group(1))
    assert (folder / "root" / "marker.txt").read_text() == "kept\n"
    cleanup = run_cli("sandbox", "cleanup", "--type", "bwrap", "--run-id", log.eval.run_id)
    assert cleanup.returncode == 0 and "removed" in cleanup.stdout, cleanup.stdout
    assert not folder.exists()


@needs_bwrap()
def test_max_sandboxes_bounds_samples_with_sandboxes(tmp_path: Path) -> None:
    now, most = 0, 0

    async def one(sandboxes: TaskSandboxes) -> None:
        nonlocal now, most
        async with sandboxes.sample(None, None, None):
            now += 1
            most = max(most, now)
            await sandbox().exec(["true"], timeout=30)
            await asyncio.sleep(0.05)
            now -= 1

    async def three() -> None:
        sandboxes = TaskSandboxes(sandbox_spec("bwrap"), tmp_path, "max-sandboxes-test")
        try:
            await asyncio.gather(*(one(sandboxes) for _ in range(3)))
        finally:
            await sandboxes.close()

    set_sandbox_options(max_sandboxes=1)
    try:
        asyncio.run(three())
    finally:
        set_sandbox_options()
    assert most == 1
    asyncio.run(three())
    assert most == 3
    with pytest.raises(ValueError, match="at least 1"):
        set_sandbox_options(max_sandboxes=0)


@pytest.mark.parametrize("option", [["--max-sandboxes", "2"], ["--no-sandbox-cleanup"]])
def test_sandbox_options_are_refused_with_ray_not_ignored(option: list[str],
                                                          tmp_path: Path) -> None:
    result = run_cli("run", "suites/examples/hello.yml", "--executor", "ray", *option,
                     "--log-dir", str(tmp_path / "logs"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "apply to the local executor" in result.stderr
    assert not (tmp_path / "logs").exists()  # refused before anything ran
