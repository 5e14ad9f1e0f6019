"""Secrets that must never reach a log, an error or the terminal.

Every secret the run learns is registered here: provider keys, the values of credential
headers (an HTTP tool's `Authorization`), credential parameters of URLs (a token in
`--model-base-url`'s query) and the password of a URL. `redact` then removes them from
whatever is written: the log, cache entries, exports, JUnit, summaries, the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

_SECRETS: set[str] = set()
_ORDERED: list[str] = []  # longest first, so a secret inside another goes with it

# Names of headers and URL parameters that carry credentials.
_CREDENTIAL_NAME = re.compile(
    r"auth|key|token|secret|passw|pwd|sig|session|cookie|credential|access|code",
    re.IGNORECASE,
)


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


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `***` (the longest ones first)."""
    for secret in _ORDERED:
        if secret in text:
            text = text.replace(secret, "***")
    return text
