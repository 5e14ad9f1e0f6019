"""Google OAuth access tokens from Application Default Credentials, without google-auth.

The credentials file is GOOGLE_APPLICATION_CREDENTIALS, or the one
`gcloud auth application-default login` writes. It holds either a service account
(a JWT signed with the account's RSA key is exchanged for a token: the `vertex` extra's
`cryptography` signs it) or an authorized user (its refresh token is exchanged).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import httpx

from ..._util.secrets import redact, register_secret
from .._api import ModelAPIError
from ._http import env

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
TOKEN_URL = "https://oauth2.googleapis.com/token"


def credentials_file() -> Path | None:
    """The Application Default Credentials file, if there is one."""
    given = env("GOOGLE_APPLICATION_CREDENTIALS")
    if given:
        return Path(given).expanduser()
    default = Path.home() / ".config" / "gcloud" / "application_default_credentials.json"
    return default if default.is_file() else None


async def token_from_file(path: Path, client: httpx.AsyncClient) -> tuple[str, float]:
    """An access token and its lifetime in seconds, from a credentials file."""
    try:
        info: dict[str, Any] = json.loads(await asyncio.to_thread(path.read_text))
    except (OSError, ValueError) as ex:
        raise ModelAPIError(f"cannot read Google credentials {path}: {ex}") from None
    kind = info.get("type")
    url = str(info.get("token_uri") or TOKEN_URL)
    if kind == "service_account":
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": _signed_jwt(info, url)}
    elif kind == "authorized_user":
        for secret in ("client_secret", "refresh_token"):
            register_secret(info.get(secret))
        form = {"grant_type": "refresh_token", "client_id": str(info.get("client_id")),
                "client_secret": str(info.get("client_secret")),
                "refresh_token": str(info.get("refresh_token"))}
    else:
        raise ModelAPIError(f"{path}: Google credentials of type {kind!r} are not supported")
    response = await client.post(url, data=form)
    if response.status_code != 200:
        raise ModelAPIError(f"Google token request failed with HTTP {response.status_code}: "
                            f"{redact(response.text[:300])}")
    data = response.json()
    token = str(data.get("access_token") or "")
    if not token:
        raise ModelAPIError("Google token reply has no access_token")
    register_secret(token)
    return token, float(data.get("expires_in") or 3600)


def _signed_jwt(info: dict[str, Any], audience: str) -> str:
    """The RS256-signed assertion a service account trades for an access token."""
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:
        raise ModelAPIError(
            "a service-account key needs the cryptography package: "
            "pip install 'evalrunner[vertex]'"
        ) from None
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": info.get("private_key_id")}
    claims = {"iss": info.get("client_email"), "scope": SCOPE, "aud": audience,
              "iat": now, "exp": now + 3600}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    key = serialization.load_pem_private_key(str(info.get("private_key")).encode(), None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ModelAPIError("the service account's private key is not an RSA key")
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
