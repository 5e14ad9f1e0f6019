"""Vertex AI access tokens through google-auth: a service-account key, an authorized user,
an impersonated service account, the Compute Engine metadata server, each answered by a
stand-in started here; without the `vertex` extra, a message naming it.

google-auth sends an authorized user's refresh and IAM's generateAccessToken to Google's
fixed hosts (no setting moves them, for safety), and reads the metadata server's address
from the environment once, on import: the `endpoints` fixture points those module
constants at the stand-in, which is what the environment would do in a fresh process.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from evalrunner.model import GenerateConfig, ModelAPIError, get_model
from tests.extras import needs_extra
from tests.servers.google_server import GoogleServer
from tests.servers.google_token_server import (
    ACCOUNT,
    CLIENT_ID,
    REFRESH_TOKEN,
    GoogleTokenServer,
)

# Every test, the one of the message without the extra too, uses google-auth's metadata
# module to say "not on Google Cloud".
pytestmark = needs_extra("vertex", "google.auth")

TOKEN = "ya29.vertex-token-0123456789"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption()).decode()


@pytest.fixture
def vertex(monkeypatch: pytest.MonkeyPatch) -> Iterator[GoogleServer]:
    from google.auth.compute_engine import _metadata

    for name in ("GOOGLE_CLOUD_ACCESS_TOKEN", "GOOGLE_API_KEY", "GEMINI_API_KEY",
                 "CLOUDSDK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)  # NO_GCE_CHECK=true: not on GCE
    with GoogleServer(api_key=TOKEN) as running:
        monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
        monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "proj")
        monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", running.url.removesuffix("/v1beta"))
        yield running
        assert not running.rejected, running.rejected[0].error


def _endpoints(tokens: GoogleTokenServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Google's fixed token and IAM hosts, and the metadata server, at the stand-in."""
    from google.auth import iam
    from google.auth.compute_engine import _metadata
    from google.oauth2 import credentials

    monkeypatch.setattr(credentials, "_GOOGLE_OAUTH2_TOKEN_ENDPOINT", tokens.url)
    monkeypatch.setattr(iam, "_IAM_ENDPOINT", tokens.impersonation_url("{}"))
    host = tokens.base.removeprefix("http://")
    monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", host)  # GCE_METADATA_HOST
    monkeypatch.setenv("GCE_METADATA_IP", host)


def _credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, info: dict[str, Any]) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(info))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))


def _user(tokens: GoogleTokenServer, refresh_token: str = REFRESH_TOKEN) -> dict[str, Any]:
    return {"type": "authorized_user", "client_id": CLIENT_ID, "client_secret": "csecret-1234",
            "refresh_token": refresh_token, "token_uri": tokens.url}


async def _ask(n: int, **model_args: Any) -> list[str]:
    model = get_model("google/gemini-2.5-flash", memoize=False,
                      config=GenerateConfig(max_connections=3), **model_args)
    async with model:  # concurrent first calls: one token request between them
        outputs = await asyncio.gather(*(model.generate(f"q{i}") for i in range(n)))
    return [output.completion for output in outputs]


async def test_service_account_key_signs_a_token_request(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GoogleTokenServer(KEY, TOKEN) as tokens:
        _credentials(tmp_path, monkeypatch, {
            "type": "service_account", "project_id": "proj", "client_email": ACCOUNT,
            "client_id": "1", "private_key_id": "k1", "private_key": PEM,
            "token_uri": tokens.url})
        assert await _ask(3) == ["q0", "q1", "q2"]
    assert len(tokens.forms) == 1  # one token, reused
    assert tokens.forms[0]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in vertex.requests)


async def test_authorized_user_refresh_token(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GoogleTokenServer(KEY, TOKEN) as tokens:
        _endpoints(tokens, monkeypatch)
        _credentials(tmp_path, monkeypatch, _user(tokens))
        assert await _ask(2) == ["q0", "q1"]
    assert [f["grant_type"] for f in tokens.forms] == ["refresh_token"]


async def test_impersonated_service_account_from_the_credentials_file(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What `gcloud auth application-default login --impersonate-service-account` writes:
    # the user's token is traded for the service account's.
    with GoogleTokenServer(KEY, "ya29.user-token-987", impersonated_token=TOKEN) as tokens:
        _endpoints(tokens, monkeypatch)
        target = "runner@proj.iam.gserviceaccount.com"
        _credentials(tmp_path, monkeypatch, {
            "type": "impersonated_service_account", "delegates": [],
            "service_account_impersonation_url": tokens.impersonation_url(target),
            "source_credentials": _user(tokens)})
        assert await _ask(2) == ["q0", "q1"]
    assert tokens.impersonations == [target]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in vertex.requests)


async def test_impersonation_asked_for_with_a_model_argument(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GoogleTokenServer(KEY, "ya29.sa-token-555", impersonated_token=TOKEN) as tokens:
        _endpoints(tokens, monkeypatch)
        _credentials(tmp_path, monkeypatch, {
            "type": "service_account", "project_id": "proj", "client_email": ACCOUNT,
            "client_id": "1", "private_key_id": "k1", "private_key": PEM,
            "token_uri": tokens.url})
        target = "deployer@proj.iam.gserviceaccount.com"
        assert await _ask(2, impersonate=target) == ["q0", "q1"]
    assert tokens.impersonations == [target]


async def test_the_metadata_server_on_google_cloud(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from google.auth.compute_engine import _metadata

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no gcloud login
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", False)
    with GoogleTokenServer(KEY, TOKEN) as tokens:
        _endpoints(tokens, monkeypatch)
        assert await _ask(2) == ["q0", "q1"]
    assert [f["grant_type"] for f in tokens.forms] == ["metadata"]


async def test_a_refused_token_request_is_a_clear_error(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with GoogleTokenServer(KEY, TOKEN) as tokens:
        _endpoints(tokens, monkeypatch)
        _credentials(tmp_path, monkeypatch, _user(tokens, refresh_token="1//revoked"))
        with pytest.raises(ModelAPIError, match=r"Google token request failed: .*invalid_grant"):
            await _ask(1)
    assert not vertex.requests


async def test_no_credentials_anywhere(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no gcloud login here
    with pytest.raises(ModelAPIError, match="no Google credentials for Vertex AI"):
        await _ask(1)


async def test_without_the_extra_the_message_names_it(
    vertex: GoogleServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "google.auth" or m.startswith("google.auth.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "google.auth", None)  # as if not installed
    with pytest.raises(ModelAPIError, match=r"google-auth: pip install 'evalrunner\[vertex\]'"):
        await _ask(1)
    # An access token given outright needs no extra.
    monkeypatch.setenv("GOOGLE_CLOUD_ACCESS_TOKEN", TOKEN)
    assert await _ask(1) == ["q0"]
