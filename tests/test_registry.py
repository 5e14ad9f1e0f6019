"""Name resolution: built-ins, files, modules, entry points, and close matches."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from evalrunner.registry import UnknownNameError, resolve
from tests.conftest import write


def test_unknown_builtin_suggests_close_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        resolve("modelapi", "mockllmm")
    assert "did you mean 'mockllm'" in str(info.value)


def test_python_file_relative_to_base_dir(tmp_path: Path) -> None:
    write(
        tmp_path / "custom.py",
        "from evalrunner import solver\n\n"
        "@solver\n"
        "def shout():\n"
        "    async def solve(state, generate):\n"
        "        return state\n"
        "    return solve\n",
    )
    info = resolve("solver", "custom.py@shout", base_dir=tmp_path)
    made = info.obj()
    assert made.__registry_name__ == "shout"
    assert info.source_file == (tmp_path / "custom.py").resolve()


def test_python_file_missing_attribute_suggests(tmp_path: Path) -> None:
    write(tmp_path / "custom.py", "def critic():\n    pass\n")
    with pytest.raises(UnknownNameError) as info:
        resolve("solver", "custom.py@critc", base_dir=tmp_path)
    assert "did you mean 'critic'" in str(info.value)


def test_module_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "mypkg_mod" / "__init__.py", "def helper():\n    return 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert resolve("solver", "mypkg_mod:helper").obj() == 42


def test_entry_point_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real installed distribution: a dist-info folder with an entry_points.txt.
    write(tmp_path / "extpkg" / "__init__.py", "def critic():\n    return 'critic'\n")
    dist = tmp_path / "extpkg-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: extpkg\nVersion: 1.0\n")
    write(dist / "entry_points.txt", "[evalrunner]\nextpkg = extpkg\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert resolve("solver", "extpkg/critic").obj() == "critic"
    sys.modules.pop("extpkg", None)


def test_entry_point_unknown_package() -> None:
    with pytest.raises(UnknownNameError) as info:
        resolve("solver", "nosuchpkg/critic")
    assert "no installed package registers 'nosuchpkg'" in str(info.value)
