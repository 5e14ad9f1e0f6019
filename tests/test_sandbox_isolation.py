"""What each backend shows a command: its own /proc, nested limits, no secret on a command
line, no other sample's files; limits that cannot hold are refused; docker's defaults."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest

from evalrunner.sandbox import Sandbox, SandboxError, TaskSandboxes, sandbox, sandbox_spec
from evalrunner.sandbox.backends import _cgroups
from tests.sandboxes import IMAGE, needs_bwrap, needs_docker

DOCKER = {"type": "docker", "image": IMAGE, "workdir": "/root"}


def in_sandbox(spec: dict[str, Any] | str, check: Any, samples: int = 1) -> list[Any]:
    """`check(sandbox, index)` in each of `samples` samples, one after the other."""

    async def main() -> list[Any]:
        task = TaskSandboxes(sandbox_spec(spec), Path(tempfile.gettempdir()), "isolation")
        await task.start()
        out = []
        try:
            for index in range(samples):
                async with task.sample(None, None, None):
                    out.append(await check(sandbox(), index))
        finally:
            await task.close()
        return out

    return asyncio.run(main())


@needs_bwrap()
def test_bwrap_has_its_own_proc_and_no_environment_of_ours(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    monkeypatch.setenv("PROBE_CANARY_KEY", canary)

    async def check(box: Sandbox, _: int) -> tuple[str, str]:
        pids = await box.exec(["sh", "-c", "ls -d /proc/[0-9]* | wc -l"])
        blocks = await box.exec(["sh", "-c", "cat /proc/[0-9]*/environ | tr '\\0' '\\n'"])
        return pids.stdout, blocks.stdout

    ((pids, blocks),) = in_sandbox("bwrap", check)
    assert int(pids) <= 4  # bubblewrap's init, the shell and ls: not this machine's processes
    assert "PATH=" in blocks and canary not in blocks


@needs_bwrap()
def test_bwrap_cgroups_are_nested_under_evalrunners_own() -> None:
    own = _cgroups.own_cgroup("memory")

    async def check(box: Sandbox, _: int) -> tuple[Path, list[str]]:
        (group,) = [g for g in box.cgroups if "memory" in g.parts]  # type: ignore[attr-defined]
        running = asyncio.ensure_future(box.exec(["sleep", "1"]))
        await asyncio.sleep(0.5)
        members = (group / "cgroup.procs").read_text().split()
        await running
        return group, members

    ((group, members),) = in_sandbox({"type": "bwrap", "memory": "256m", "pids": 64}, check)
    assert group.parent == own and group.name.startswith("evalrunner-isolation-")
    assert members  # the command ran in it
    assert not group.exists()  # removed with the sample


@needs_bwrap()
def test_bwrap_refuses_a_pids_limit_it_cannot_enforce(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setattr(_cgroups, "CGROUP_ROOT", tmp_path / "no-cgroups")

    async def check(box: Sandbox, _: int) -> None:
        raise AssertionError("no sample may run without its pids limit")

    with pytest.raises(SandboxError, match=r"pids: .*cannot be enforced"):
        in_sandbox({"type": "bwrap", "pids": 40}, check)
    with pytest.raises(SandboxError, match=r"cpus: .*cannot be enforced"):
        in_sandbox({"type": "bwrap", "cpus": 1}, check)
    # Memory falls back to an address-space limit, which holds.
    hog = "x = bytearray(600 * 1024 * 1024); print('ok')"

    async def hogging(box: Sandbox, _: int) -> bool:
        return (await box.exec(["python3", "-c", hog], timeout=60)).success

    assert in_sandbox({"type": "bwrap", "memory": "128m"}, hogging) == [False]


@needs_bwrap()
def test_bwrap_samples_cannot_see_each_other_whatever_tmpdir_is(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    base = Path("/var/tmp") / f"evalrunner-tmpdir-{uuid.uuid4().hex[:8]}"
    base.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    try:
        async def both() -> list[str]:
            task = TaskSandboxes(sandbox_spec("bwrap"), base, "isolation")
            async with task.sample(None, None, None) as first_envs:
                assert first_envs is not None
                first = first_envs["default"]
                await first.write_file("secret.txt", "first sample's")
                async with task.sample(None, None, None) as second_envs:
                    assert second_envs is not None
                    second = second_envs["default"]
                    folder = first.folder  # type: ignore[attr-defined]
                    seen = await second.exec(
                        ["sh", "-c", f"ls {base}; cat {folder}/root/secret.txt"])
                    return [seen.stdout + seen.stderr, str(folder)]

        seen, folder = asyncio.run(both())
        assert folder.startswith(str(base))
        assert "first sample's" not in seen and "No such file" in seen
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)


def _cmdlines() -> str:
    out = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            out.append(path.read_bytes().decode(errors="replace"))
        except OSError:
            continue
    return "\n".join(out)


@pytest.mark.parametrize("spec", [pytest.param("bwrap", marks=needs_bwrap()),
                                  pytest.param(DOCKER, marks=needs_docker())])
def test_variables_passed_in_are_on_no_command_line(spec: Any) -> None:
    secret = f"secret-{uuid.uuid4().hex}"

    async def check(box: Sandbox, _: int) -> tuple[str, bool]:
        running = asyncio.ensure_future(box.exec(["sh", "-c", "sleep 1.5; echo $PASSED"],
                                                 env={"PASSED": secret}, timeout=60))
        await asyncio.sleep(0.8)
        shown = await asyncio.to_thread(_cmdlines)
        return (await running).stdout, secret in shown

    ((printed, on_a_command_line),) = in_sandbox(spec, check)
    assert printed.strip() == secret and not on_a_command_line


@needs_docker()
def test_docker_limits_processes_and_memory_and_drops_capabilities_by_default() -> None:
    async def check(box: Sandbox, _: int) -> tuple[dict[str, Any], int]:
        found = subprocess.run(["docker", "inspect", box.container],  # type: ignore[attr-defined]
                               capture_output=True, text=True, check=True)
        config: dict[str, Any] = json.loads(found.stdout)[0]["HostConfig"]
        status = await box.exec(["grep", "CapBnd", "/proc/self/status"])
        return config, int(status.stdout.split()[1], 16)

    ((config, bounding),) = in_sandbox(DOCKER, check)
    assert config["PidsLimit"] == 1024 and config["Memory"] == 2 * 1024**3
    for bit in (13, 18, 27):  # CAP_NET_RAW, CAP_SYS_CHROOT, CAP_MKNOD: gone inside
        assert not bounding & (1 << bit)
    assert bounding & 1  # CAP_CHOWN stays: root still owns its files
    ((own, _),) = in_sandbox({**DOCKER, "pids": 64, "memory": "256m"}, check)
    assert own["PidsLimit"] == 64 and own["Memory"] == 256 * 1024**2


@needs_docker()
def test_compose_gets_only_the_variables_the_suite_names(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAMED_VAR", "named-value")
    monkeypatch.setenv("PROBE_CANARY_KEY", "canary-compose")
    (tmp_path / "compose.yml").write_text(f"""
services:
  default:
    image: {IMAGE}
    command: [tail, -f, /dev/null]
    init: true
    network_mode: none
    environment:
      SEEN_NAMED: "${{NAMED_VAR:-unset}}"
      SEEN_CANARY: "${{PROBE_CANARY_KEY:-unset}}"
""")
    spec = sandbox_spec({"type": "docker", "compose": "compose.yml", "pass_env": ["NAMED_*"]})

    async def main() -> str:
        task = TaskSandboxes(spec, tmp_path, "isolation")
        await task.start()
        try:
            async with task.sample(None, None, None):
                return (await sandbox().exec(["sh", "-c", "echo $SEEN_NAMED $SEEN_CANARY"])
                        ).stdout
        finally:
            await task.close()

    assert asyncio.run(main()).split() == ["named-value", "unset"]
    assert os.environ["PROBE_CANARY_KEY"] == "canary-compose"


@needs_bwrap()
def test_bwrap_bounds_a_samples_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fill(box: Sandbox, _: int) -> tuple[str, Path]:
        big = await box.exec(["sh", "-c", "head -c 30000000 /dev/zero > /tmp/big; "
                                          "head -c 30000000 /dev/zero > big"])
        return big.stderr, box.folder  # type: ignore[attr-defined]

    ((errors, folder),) = in_sandbox({"type": "bwrap", "disk": "20m"}, fill)
    assert errors.count("No space left on device") == 2
    assert not folder.exists()  # unmounted and removed with the sample
    from evalrunner.sandbox.backends import _disk

    monkeypatch.setattr(_disk, "MOUNT", "false")  # a machine that lets evalrunner mount nothing
    with pytest.raises(SandboxError, match=r"disk: .*cannot be enforced"):
        in_sandbox({"type": "bwrap", "disk": "20m"}, fill)
    # The default bound then limits each file instead.
    monkeypatch.setattr(_disk, "DEFAULT_DISK", "20m")
    monkeypatch.setattr("evalrunner.sandbox.backends.bwrap.DEFAULT_DISK", "20m")
    ((errors, _),) = in_sandbox("bwrap", fill)
    assert "File too large" in errors or "file size" in errors.lower()
