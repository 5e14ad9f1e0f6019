"""`.env` files: which are read, what they may set, and what the user is told.

The working folder's own `.env` (that file, in that folder) is the user's: every variable
in it is used (the environment wins over it). A `.env` anywhere else, beside a suite in a
subfolder or another folder (a suite checked out from elsewhere, a downloaded example), is
somebody else's: it may set keys and options, but not where requests go, what code runs
or where files are written. Ignored there (and named on the terminal):

- variables naming an address (`*_BASE_URL`, `*_ENDPOINT`, `*_HOST`, `*_API_BASE`,
  `*_ADDRESS`, proxies, certificate bundles): pointing `OPENAI_BASE_URL` at another host
  would send that host the user's key;
- the options that do the same or run code or write files: `EVALRUNNER_MODEL_ARG` (`-M
  base_urls=...`), `EVALRUNNER_MODEL_BASE_URL`, `EVALRUNNER_MODEL_ROLE`, `EVALRUNNER_HOOKS`,
  `EVALRUNNER_SOLVER`, `EVALRUNNER_TRUST`, the log, cache, JUnit, summary and export paths;
- what changes the programs and modules that run (`PATH`, `PYTHON*`, `LD_*`).

Every file read is named on the terminal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["EnvFile", "load_env_files"]

ADDRESS = re.compile(
    r".*_(BASE_URL|ENDPOINT|HOST|API_BASE|URL|ADDRESS)$|.*PROXY$|^(REQUESTS_CA_BUNDLE"
    r"|SSL_CERT_FILE|SSL_CERT_DIR|CURL_CA_BUNDLE)$",
    re.IGNORECASE,
)
# What only the user may set: options that redirect requests, run code or write files.
USER_ONLY = re.compile(
    r"^EVALRUNNER_(MODEL_ARGS?|MODEL_BASE_URL|MODEL_ROLES?|HOOKS|SOLVER|SOLVER_ARG|TRUST"
    r"|LOG_DIR|CACHE_DIR|JUNIT|SUMMARY|EXPORT|OUTPUT|PLOT|HOST|PORT)$"
    r"|^(PATH|PYTHON\w*|LD_\w+|DYLD_\w+|BASH_ENV|ENV)$",
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
            text += (f"; ignored {', '.join(self.refused)} (a .env other than the working "
                     "folder's may not say where requests go, what runs or where files are "
                     "written: set it in the environment or ./.env)")
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
        trusted = file.parent == cwd  # not a subfolder's: a checkout may sit there
        entry = EnvFile(file)
        for name, value in dotenv_values(file).items():
            if value is None:
                continue
            if not trusted and (ADDRESS.match(name) or USER_ONLY.match(name)):
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
