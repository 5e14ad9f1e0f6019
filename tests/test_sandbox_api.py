"""The sandbox protocol, backend by backend: commands, files, limits, isolation, cleanup."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalrunner.sandbox import (
    Sandbox,
    SandboxError,
    TaskSandboxes,
    backend_class,
    sandbox,
    sandbox_spec,
    spec_problems,
)
from tests.conftest import ROOT
from tests.sandboxes import IMAGE, needs_bwrap, needs_docker

SPECS: dict[str, dict[str, Any]] = {
    "local": {"type": "local"},
    "bwrap": {"type": "bwrap"},
    "docker": {"type": "docker", "image": IMAGE, "workdir": "/root"},
}
MARKS = {"local": [], "bwrap": [needs_bwrap()], "docker": [needs_docker()]}
BACKENDS = [pytest.param(name, marks=MARKS[name]) for name in SPECS]
ISOLATED = [pytest.param(name, marks=MARKS[name]) for name in ("bwrap", "docker")]


def in_sandbox(spec: dict[str, Any], check: Any, files: dict[str, str] | None = None,
               setup: str | None = None, run_id: str = "test") -> Any:
    """Run `check(sandbox)` inside one sample's sandbox; returns what it returns."""

    async def main() -> Any:
        task = TaskSandboxes(sandbox_spec(spec), Path(tempfile.gettempdir()), run_id)
        await task.start()
        try:
            async with task.sample(None, files, setup):
                return await check(sandbox())
        finally:
            await task.close()

    return asyncio.run(main())


@pytest.mark.parametrize("backend", BACKENDS)
def test_commands_files_and_setup(backend: str) -> None:
    async def check(box: Sandbox) -> None:
        result = await box.exec(["sh", "-c", "cat notes/a.txt; cat marker; echo err >&2"])
        assert result.success and result.stdout == "hello\nset up\n" and result.stderr == "err\n"
        assert (await box.exec(["sh", "-c", "exit 3"])).returncode == 3
        assert (await box.exec(["cat"], input="piped")).stdout == "piped"
        assert (await box.exec(["pwd"], cwd="notes")).stdout.strip().endswith("/notes")
        assert (await box.exec(["sh", "-c", "echo $GREETING"], env={"GREETING": "hi"})
                ).stdout == "hi\n"
        assert await box.read_file("blob.bin", text=False) == b"\x00\x01\xff"
        await box.write_file("deep/new/file.txt", "written")
        assert (await box.exec(["cat", "deep/new/file.txt"])).stdout == "written"
        # local confines file access to the sample's folder; the others have their own /tmp.
        written = "bytes.bin" if backend == "local" else "/tmp/bytes.bin"
        await box.write_file(written, b"\x00\xfe")
        assert await box.read_file(written, text=False) == b"\x00\xfe"
        with pytest.raises(FileNotFoundError):
            await box.read_file("missing.txt")
        capped = await box.exec(["sh", "-c", "yes | head -c 5000"], output_limit=100)
        assert capped.truncated and len(capped.stdout) == 100
        with pytest.raises(TimeoutError):
            await box.exec(["sleep", "20"], timeout=1)
        assert not (await box.exec(["no-such-program"])).success
        assert box.connection().command

    in_sandbox(SPECS[backend], check, files={"notes/a.txt": "hello\n",
                                             "blob.bin": "data:;base64,AAH/"},
               setup="echo 'set up' > marker")


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_setup_script_fails_the_sample(backend: str) -> None:
    async def check(box: Sandbox) -> None:
        raise AssertionError("the plan must not run")

    with pytest.raises(SandboxError, match=r"setup script failed \(exit 4\): broken"):
        in_sandbox(SPECS[backend], check, setup="echo broken >&2; exit 4")


@pytest.fixture
def host_port() -> Iterator[int]:
    """A TCP port listening on this machine's 127.0.0.1."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


CONNECT = "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 3)"


@pytest.mark.parametrize("backend", ISOLATED)
def test_no_network_by_default(backend: str, host_port: int) -> None:
    async def check(box: Sandbox) -> None:
        result = await box.exec(["python3", "-c", CONNECT, str(host_port)], timeout=30)
        assert not result.success
        assert "ConnectionRefused" in result.stderr or "unreachable" in result.stderr

    in_sandbox(SPECS[backend], check)
    # The same program reaches the port from this machine: the sandbox made the difference.
    assert subprocess.run(["python3", "-c", CONNECT, str(host_port)], check=False).returncode == 0


@pytest.mark.parametrize("backend", ISOLATED)
def test_fork_bomb_and_memory_hog_are_stopped(backend: str) -> None:
    limited = {**SPECS[backend], "pids": 64, "memory": "128m"}

    async def check(box: Sandbox) -> None:
        hog = await box.exec(["python3", "-c", "x = bytearray(600 * 1024 * 1024); print('ok')"],
                             timeout=60)
        assert not hog.success and "ok" not in hog.stdout
        bomb = await box.exec(["bash", "-c", "bomb() { bomb | bomb & }; bomb; sleep 3"],
                              timeout=60)
        assert "fork" in bomb.stderr or "Resource temporarily unavailable" in bomb.stderr
        if backend == "bwrap":  # its processes die with the command; a container keeps them
            assert (await box.exec(["echo", "alive"])).stdout == "alive\n"

    in_sandbox(limited, check)


@needs_bwrap()
def test_bwrap_keeps_the_host_read_only_even_for_root() -> None:
    # Outside /tmp, /root and /home, which are the sample's own inside (a checkout there:
    # /var/tmp, which bwrap shows read-only like the rest of the host).
    outside = ROOT / "test-artifacts"
    if any(ROOT.is_relative_to(private) for private in ("/tmp", "/root", "/home")):
        outside = Path("/var/tmp/evalrunner-test-artifacts")
    outside.mkdir(parents=True, exist_ok=True)  # not in a fresh clone
    folder = Path(tempfile.mkdtemp(dir=outside))
    victim = folder / "victim.txt"
    victim.write_text("intact")

    async def check(box: Sandbox) -> None:
        write = await box.exec(["sh", "-c", f"echo owned > {victim}"])
        assert not write.success  # not even shown: only the system folders are
        system = await box.exec(["sh", "-c", "echo owned > /usr/evalrunner-probe"])
        assert not system.success and "Read-only" in system.stderr
        remount = await box.exec(["sh", "-c", "mount -o remount,rw,bind /usr && echo owned > "
                                              "/usr/evalrunner-probe"])
        assert not remount.success and not Path("/usr/evalrunner-probe").exists()
        assert (await box.exec(["ls", "/home"])).stdout == ""  # other users' files are hidden
        assert (await box.exec(["sh", "-c", "echo $HOME; env | wc -l"])).stdout.split()[0] == \
            "/root"

    in_sandbox(SPECS["bwrap"], check)
    assert victim.read_text() == "intact"
    shutil.rmtree(folder)


@needs_bwrap()
def test_bwrap_command_line_drops_capabilities() -> None:
    async def check(box: Sandbox) -> None:
        status = await box.exec(["grep", "CapEff", "/proc/self/status"])
        assert status.stdout.split()[1] == "0000000000000000"

    in_sandbox(SPECS["bwrap"], check)


@pytest.mark.parametrize("backend", ["local", pytest.param("bwrap", marks=MARKS["bwrap"])])
def test_sample_folders_are_removed_and_cleanup_finds_leftovers(backend: str) -> None:
    seen: list[str] = []

    async def check(box: Sandbox) -> None:
        seen.append(str(box.root if backend == "local" else box.folder))  # type: ignore[attr-defined]

    in_sandbox(SPECS[backend], check, run_id="leftover-test")
    assert not Path(seen[0]).exists()
    stale = Path(tempfile.mkdtemp(prefix=f"evalrunner-sandbox-{backend}-killedrun-1-"))
    removed = asyncio.run(backend_class(backend).cleanup("killedrun"))
    assert removed == [f"folder {stale}"] and not stale.exists()


def test_sandbox_outside_a_sample_is_a_clear_error() -> None:
    with pytest.raises(SandboxError, match="no sandbox"):
        sandbox()

    async def check(box: Sandbox) -> None:
        with pytest.raises(SandboxError, match="no sandbox named 'web'"):
            sandbox("web")

    in_sandbox(SPECS["local"], check)


def test_spec_problems_name_what_is_wrong(tmp_path: Path) -> None:
    def problems(value: Any) -> list[str]:
        return spec_problems(sandbox_spec(value), tmp_path)

    assert problems("bwrap") == []
    assert "not a setting of the bwrap backend" in problems({"type": "bwrap", "image": "x"})[0]
    assert "needs an image" in problems("docker")[0]
    assert "'compose.yml' not found" in problems({"type": "docker", "compose": "compose.yml"})[0]
    assert "unknown sandbox 'dokcer'" in problems("dokcer")[0]
    assert "did you mean 'docker'" in problems("dokcer")[0]
    with pytest.raises(ValueError, match="memroy: unknown key"):
        sandbox_spec({"type": "docker", "memroy": "1g"})


def test_a_plugin_backend_registers_like_any_component(tmp_path: Path) -> None:
    plugin = tmp_path / "plugin.py"
    plugin.write_text(
        "from evalrunner.sandbox import sandbox_backend\n"
        "from evalrunner.sandbox.backends.local import LocalBackend\n"
        "@sandbox_backend('mine')\n"
        "class Mine(LocalBackend):\n"
        "    pass\n")
    cls = backend_class("plugin.py@Mine", tmp_path)
    assert cls.__name__ == "Mine" and backend_class("mine").__name__ == "Mine"


@needs_docker()
def test_docker_without_the_image_says_how_to_get_it() -> None:
    async def check(box: Sandbox) -> None:
        raise AssertionError("unreachable")

    with pytest.raises(SandboxError, match=r"not on this machine.*docker build -t no-such"):
        in_sandbox({"type": "docker", "image": "no-such-image:1"}, check)


def _compose_missing() -> pytest.MarkDecorator:
    from tests.sandboxes import _missing

    if shutil.which("docker-compose") is None and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False).returncode:
        return _missing("neither docker compose nor docker-compose is installed")
    return pytest.mark.skipif(False, reason="")


@needs_docker()
@_compose_missing()
def test_a_compose_project_per_sample_with_named_sandboxes(tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text(f"""
services:
  default:
    image: {IMAGE}
    command: [tail, -f, /dev/null]
    init: true
    network_mode: none
    working_dir: /root
  web:
    image: {IMAGE}
    command: [tail, -f, /dev/null]
    init: true
    network_mode: none
""")
    spec = sandbox_spec({"type": "docker", "compose": "compose.yml"})

    async def main() -> list[str]:
        task = TaskSandboxes(spec, tmp_path, "composetest")
        await task.start()
        async with task.sample(None, {"a.txt": "in default", "web:/srv/b.txt": "in web"},
                               "echo ready > marker") as envs:
            assert envs is not None and list(envs) == ["default", "web"]
            assert (await sandbox().exec(["cat", "a.txt", "marker"])).stdout == \
                "in defaultready\n"
            assert await sandbox("web").read_file("/srv/b.txt") == "in web"
            assert not (await sandbox("web").exec(["test", "-e", "/root/a.txt"])).success
            names = [env.container for env in envs.values()]  # type: ignore[attr-defined]
        await task.close()
        return names

    containers = asyncio.run(main())
    left = subprocess.run(["docker", "ps", "-aq", "--no-trunc"], capture_output=True,
                          text=True, check=True).stdout.split()
    assert not set(containers) & set(left)
