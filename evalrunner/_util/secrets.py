"""Secrets that must never reach a log, an error or the terminal: the one registry.

Every secret the run learns is registered here: provider keys, credential-named variables
of the environment, the values of credential headers (an HTTP tool's `Authorization`, an
MCP server's `headers`), credential parameters and passwords of URLs (every URL of
`base_urls`, an MCP server's URL), the `env` values a suite gives an MCP server, a bridged
agent or a command, and the values `pass_env` passes on. `redact` then removes them from
whatever is written: the log, cache entries, exports, JUnit, summaries, the viewer's
answers, and the terminal (`redacting_streams` wraps stdout and stderr, so every error and
traceback printed goes through it too).
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

_SECRETS: set[str] = set()
_ORDERED: list[str] = []  # longest first, so a secret inside another goes with it

# Names of headers and URL parameters that carry credentials.
_CREDENTIAL_NAME = re.compile(
    r"auth|key|token|secret|passw|pwd|sig|session|cookie|credential|access|code",
    re.IGNORECASE,
)
# Variables of the environment that hold a credential (not a file, folder or socket naming one).
_SECRET_VARIABLE = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH", re.IGNORECASE)
_NOT_A_VALUE = re.compile(r"_(FILE|PATH|DIR|SOCK|HOST|REGION|ID)$", re.IGNORECASE)
# Variables of every environment that hold no secret (a shell's basics).
_PLAIN_VARIABLES = frozenset({"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE",
                              "TERM", "TZ", "TMPDIR", "TEMP", "TMP", "PWD", "OLDPWD"})


def register_secret(value: str | None) -> None:
    """Remember a key so `redact` can remove it; short values are ignored as too common."""
    if value and len(value) >= 6 and value not in _SECRETS:
        _SECRETS.add(value)
        _ORDERED[:] = sorted(_SECRETS, key=len, reverse=True)


def register_header_secrets(headers: Mapping[str, str]) -> None:
    """Register the values of credential headers (and the token of `Bearer TOKEN`)."""
    for name, value in headers.items():
        if _CREDENTIAL_NAME.search(name):
            register_secret(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.isalpha():
                register_secret(token.strip())


def register_url_secrets(url: str | None) -> None:
    """Register a URL's password and the values of its credential parameters."""
    if not url:
        return
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return
    if password:
        register_secret(password)
        register_secret(unquote(password))
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if _CREDENTIAL_NAME.search(name):
            register_secret(value)
            # As written in the URL too, where it may be percent-encoded.
            for raw in re.findall(rf"(?:^|&){re.escape(name)}=([^&#]*)", parts.query):
                register_secret(raw)


def register_mapping_secrets(values: Mapping[str, Any] | None) -> None:
    """Register the secret values of a variable or header map a suite gives a component (an
    MCP server's `env` and `headers`, a bridged agent's `env`, a command's `env`): those
    named like credentials (`*_TOKEN`, `Authorization`) and those taken from the
    environment (`${{ env.X }}`). Other literals of a suite are not secret, and redacting
    them (`python3`, a folder) would blank ordinary text out of every log."""
    from_environment = _environment_values()
    for name, value in (values or {}).items():
        if not isinstance(value, str):
            continue
        register_url_secrets(value)
        if _SECRET_VARIABLE.search(name) or _CREDENTIAL_NAME.search(name) \
                or value in from_environment:
            register_secret(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.isalpha():
                register_secret(token.strip())  # `Bearer TOKEN` written in a header


def register_config_secrets(data: Any) -> None:
    """Register the secrets of a suite's interpolated document, wherever they sit: `env`
    and `headers` maps, URLs (`url`, `base_url`, `base_urls`), the variables `pass_env`
    names. Run once per suite, before anything of it is written."""
    if isinstance(data, list):
        for item in data:
            register_config_secrets(item)
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key in ("env", "headers") and isinstance(value, dict):
            register_mapping_secrets(value)
        elif isinstance(key, str) and key.endswith(("url", "urls")):
            for url in value if isinstance(value, list) else [value]:
                register_url_secrets(url if isinstance(url, str) else None)
        elif key == "pass_env" and isinstance(value, list):
            _register_passed([str(v) for v in value])
        else:
            register_config_secrets(value)


def _register_passed(patterns: list[str]) -> None:
    for name, value in os.environ.items():
        if name not in _PLAIN_VARIABLES and any(fnmatch.fnmatchcase(name, p) for p in patterns):
            register_secret(value)


def _environment_values() -> set[str]:
    return {v for k, v in os.environ.items() if k not in _PLAIN_VARIABLES and len(v) >= 6}


def register_environment_secrets(environ: Mapping[str, str] | None = None,
                                 names: Iterable[str] | None = None) -> None:
    """Register credential-named variables of the environment (`*_API_KEY`, `*_TOKEN`...)
    and URL credentials in any variable; with `names`, every value of those (what
    `pass_env` passes on), whatever they are called."""
    environ = os.environ if environ is None else environ
    if names is not None:
        for name in names:
            register_secret(environ.get(name))
        return
    for name, value in environ.items():
        if _SECRET_VARIABLE.search(name) and not _NOT_A_VALUE.search(name):
            register_secret(value)
        if "@" in value or "?" in value:
            register_url_secrets(value)


class _RedactingStream:
    """A text stream whose every write goes through `redact` (the terminal's one gate)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redacting_streams() -> None:
    """Send stdout and stderr through `redact` from now on (the CLI calls this first)."""
    if not isinstance(sys.stdout, _RedactingStream):
        sys.stdout = _RedactingStream(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, _RedactingStream):
        sys.stderr = _RedactingStream(sys.stderr)  # type: ignore[assignment]


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `***` (the longest ones first)."""
    for secret in _ORDERED:
        if secret in text:
            text = text.replace(secret, "***")
    return text
