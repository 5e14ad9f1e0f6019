"""`.env` files: which are read, what they may set, and what the user is told.

The working folder's `.env` is the user's own: every variable in it is used (the
environment wins over it). A `.env` beside a suite in another folder (a suite checked out
from elsewhere) is somebody else's: it may set keys and options, but not where requests
go. A variable naming an address (`*_BASE_URL`, `*_ENDPOINT`, `*_HOST`, `*_API_BASE`,
proxies, certificate bundles) is ignored there, since pointing `OPENAI_BASE_URL` at another
host would send that host the user's key. Every file read is named on the terminal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["EnvFile", "load_env_files"]

ADDRESS = re.compile(
    r".*_(BASE_URL|ENDPOINT|HOST|API_BASE|URL)$|.*PROXY$|^(REQUESTS_CA_BUNDLE|SSL_CERT_FILE"
    r"|SSL_CERT_DIR|CURL_CA_BUNDLE)$",
    re.IGNORECASE,
)


@dataclass
class EnvFile:
    """A `.env` file that was read: the variables it set and those it was refused."""

    path: Path
    used: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def describe(self) -> str:
        shown = _shown(self.path)
        text = f"read {shown}: {len(self.used)} variable{'s' if len(self.used) != 1 else ''}"
        if self.refused:
            text += (f"; ignored {', '.join(self.refused)} (a .env outside the working folder "
                     "may not say where requests go: set it in the environment or ./.env)")
        return text


def load_env_files(suite_paths: Sequence[Path], cwd: Path | None = None) -> list[EnvFile]:
    """Read the working folder's `.env`, then the one beside each suite (or in each suite
    folder); the environment and earlier files win. Returns the files read."""
    from dotenv import dotenv_values

    cwd = (cwd or Path.cwd()).resolve()
    candidates = [cwd / ".env"]
    for path in suite_paths:
        folder = path if path.is_dir() else path.parent
        candidates.append(folder.resolve() / ".env")
    read: list[EnvFile] = []
    for file in dict.fromkeys(candidates):
        if not file.is_file():
            continue
        trusted = file.parent == cwd or file.parent.is_relative_to(cwd)
        entry = EnvFile(file)
        for name, value in dotenv_values(file).items():
            if value is None:
                continue
            if not trusted and ADDRESS.match(name):
                entry.refused.append(name)
            elif name not in os.environ:
                os.environ[name] = value
                entry.used.append(name)
        read.append(entry)
    return read


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
