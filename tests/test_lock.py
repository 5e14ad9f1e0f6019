"""constraints.txt is current: every requirement of pyproject.toml, of the base install and
of every extra, has a pin there that satisfies it (regenerate it with `.ci/lock`)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT


def pins() -> dict[str, Version]:
    found: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line)
            assert match, f"constraints.txt: not a name==version pin: {line!r}"
            found[canonicalize_name(match[1])] = Version(match[2])
    return found


def requirements() -> list[tuple[str, Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = [("dependencies", text) for text in project["dependencies"]]
    for extra, texts in project["optional-dependencies"].items():
        listed.extend((f"[{extra}]", text) for text in texts)
    return [(where, Requirement(text)) for where, text in listed]


def test_every_requirement_has_a_pin_that_satisfies_it() -> None:
    pinned = pins()
    problems = []
    for where, req in requirements():
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{where} {req}: no pin")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{where} {req}: pinned {version}")
    assert not problems, "constraints.txt is stale (run .ci/lock):\n" + "\n".join(problems)


def test_llama_cpp_is_pinned_exactly_and_torch_has_no_cuda_packages() -> None:
    local = [req for where, req in requirements() if req.name == "llama-cpp-python"]
    assert [str(req.specifier) for req in local] == [f"=={pins()['llama-cpp-python']}"]
    assert not [name for name in pins() if name.startswith(("nvidia-", "triton"))]
