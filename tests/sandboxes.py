"""What the sandbox tests need from the machine: bubblewrap, a Docker daemon, test images.

`.ci/run` installs and starts them and sets EVALRUNNER_REQUIRE_SANDBOXES=1, so that there a
missing piece fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

IMAGE = "evalrunner-agents:bookworm"  # Debian with bash and python3 (see .ci/sandboxes.sh)
# The bridge's SDK agents: an image derived from IMAGE, and a venv bwrap sees (sdk_agents_up).
AGENTS_IMAGE = "evalrunner-sdk-agents:bookworm"
AGENTS_VENV = Path("/usr/local/lib/evalrunner-agents")


def _missing(what: str) -> pytest.MarkDecorator:
    if os.environ.get("EVALRUNNER_REQUIRE_SANDBOXES"):
        pytest.fail(f"{what} (EVALRUNNER_REQUIRE_SANDBOXES is set)")
    return pytest.mark.skip(reason=what)


def _docker_problem(image: str = IMAGE) -> str | None:
    if shutil.which("docker") is None:
        return "no docker CLI"
    try:
        found = subprocess.run(["docker", "image", "inspect", image], capture_output=True,
                               timeout=20, check=False)
    except (OSError, subprocess.SubprocessError) as ex:
        return f"docker does not answer: {ex}"
    return None if found.returncode == 0 else f"no Docker daemon or no image {image}"


def needs_bwrap() -> pytest.MarkDecorator:
    return pytest.mark.skipif(False, reason="") if shutil.which("bwrap") else \
        _missing("bubblewrap is not installed")


def needs_image(image: str) -> pytest.MarkDecorator:
    """Docker and an image built by .ci/sandboxes.sh besides the test image."""
    problem = _docker_problem()
    if problem is None:
        found = subprocess.run(["docker", "image", "inspect", image], capture_output=True,
                               timeout=20, check=False)
        problem = None if found.returncode == 0 else f"no image {image} (.ci/sandboxes.sh)"
    return pytest.mark.skipif(False, reason="") if problem is None else _missing(problem)


def needs_docker() -> pytest.MarkDecorator:
    problem = _docker_problem()
    return pytest.mark.skipif(False, reason="") if problem is None else _missing(problem)


def needs_sdk_agents(backend: str) -> pytest.MarkDecorator:
    """The SDK agents for `backend` (bwrap: the venv; docker: the image), and the backend."""
    if backend == "docker":
        problem = _docker_problem(AGENTS_IMAGE)
    elif shutil.which("bwrap") is None:
        problem = "bubblewrap is not installed"
    else:
        problem = None if (AGENTS_VENV / "bin" / "python").exists() else \
            f"no SDK agents' venv in {AGENTS_VENV} (. .ci/sandboxes.sh; sdk_agents_up)"
    return pytest.mark.skipif(False, reason="") if problem is None else _missing(problem)
