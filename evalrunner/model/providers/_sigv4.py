"""AWS Signature Version 4, by hand: hashlib and hmac, no botocore.

`sign` returns the headers to add to a request: `x-amz-date`, `Authorization` and, for
temporary credentials, `x-amz-security-token`.
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

from ..._util.secrets import register_secret

ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        register_secret(self.secret_key)
        register_secret(self.session_token)


def find_credentials(profile: str | None = None) -> Credentials | None:
    """From AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), else the shared
    credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, AWS_PROFILE)."""
    key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret and not profile:
        return Credentials(key, secret, os.environ.get("AWS_SESSION_TOKEN") or None)
    default = Path.home() / ".aws" / "credentials"
    path = Path(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or default)
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except (OSError, configparser.Error):
        return None
    section = profile or os.environ.get("AWS_PROFILE") or "default"
    if not parser.has_section(section):
        return None
    values = parser[section]
    if not values.get("aws_access_key_id") or not values.get("aws_secret_access_key"):
        return None
    return Credentials(
        values["aws_access_key_id"], values["aws_secret_access_key"],
        values.get("aws_session_token") or None,
    )


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers that sign this request (all of `headers` and `host` are signed)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    parts = urlsplit(url)
    signed = {k.lower().strip(): " ".join(v.split()) for k, v in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    if credentials.session_token:
        signed["x-amz-security-token"] = credentials.session_token
    names = sorted(signed)
    canonical = "\n".join([
        method.upper(),
        canonical_path(parts.path, service),
        canonical_query(parts.query),
        "".join(f"{name}:{signed[name]}\n" for name in names),
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ])
    to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = signing_key(credentials.secret_key, amz_date[:8], region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    out = {
        "x-amz-date": amz_date,
        "Authorization": f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}",
    }
    if credentials.session_token:
        out["x-amz-security-token"] = credentials.session_token
    return out


def canonical_path(path: str, service: str) -> str:
    """The path as sent, encoded once more: every service but S3 signs it double-encoded."""
    path = path or "/"
    return path if service == "s3" else quote(path, safe="/~")


def canonical_query(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
