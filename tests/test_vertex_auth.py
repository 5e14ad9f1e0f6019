"""Vertex AI access tokens from credentials files: a service account's signed JWT and an
authorized user's refresh token, exchanged at a token server started here."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from evalrunner.model import GenerateConfig, ModelAPIError, get_model
from tests.servers.google_server import GoogleServer

TOKEN = "ya29.vertex-token-0123456789"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenServer(ThreadingHTTPServer):
    """Google's token endpoint, as far as these two grants go; it checks what it gets."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TokenHandler)
        self.forms: list[dict[str, str]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/token"


class _TokenHandler(BaseHTTPRequestHandler):
    server: TokenServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        self.server.forms.append(form)
        ok = _valid(form, self.server.url)
        body = json.dumps({"access_token": TOKEN, "expires_in": 3599} if ok
                          else {"error": "invalid_grant"}).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _valid(form: dict[str, str], audience: str) -> bool:
    if form.get("grant_type") == "refresh_token":
        return form.get("refresh_token") == "1//refresh" and form.get("client_id") == "cid"
    if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return False
    head, claims, signature = form["assertion"].split(".")
    KEY.public_key().verify(_unb64(signature), f"{head}.{claims}".encode(),
                            padding.PKCS1v15(), hashes.SHA256())  # raises when forged
    header, payload = json.loads(_unb64(head)), json.loads(_unb64(claims))
    return (header["alg"] == "RS256" and payload["iss"] == "evals@proj.iam.gserviceaccount.com"
            and payload["aud"] == audience and payload["exp"] - payload["iat"] == 3600
            and payload["scope"] == "https://www.googleapis.com/auth/cloud-platform")


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    server = TokenServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def vertex(monkeypatch: pytest.MonkeyPatch) -> Iterator[GoogleServer]:
    for name in ("GOOGLE_CLOUD_ACCESS_TOKEN", "GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with GoogleServer(api_key=TOKEN) as running:
        monkeypatch.setenv("GOOGLE_GENAI_USE_VERTEXAI", "true")
        monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "proj")
        monkeypatch.setenv("GOOGLE_VERTEX_BASE_URL", running.url.removesuffix("/v1beta"))
        yield running
        assert not running.rejected, running.rejected[0].error


def _credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, info: dict[str, Any]) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(info))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))


async def _ask(n: int) -> list[str]:
    model = get_model("google/gemini-2.5-flash", memoize=False,
                      config=GenerateConfig(max_connections=3))
    async with model:  # concurrent first calls: one token request between them
        outputs = await asyncio.gather(*(model.generate(f"q{i}") for i in range(n)))
    return [output.completion for output in outputs]


async def test_service_account_key_signs_a_token_request(
    vertex: GoogleServer, token_server: TokenServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pem = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    _credentials(tmp_path, monkeypatch, {
        "type": "service_account", "client_email": "evals@proj.iam.gserviceaccount.com",
        "private_key_id": "k1", "private_key": pem, "token_uri": token_server.url})
    assert await _ask(3) == ["q0", "q1", "q2"]
    assert len(token_server.forms) == 1  # one token, reused
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in vertex.requests)


async def test_authorized_user_refresh_token(
    vertex: GoogleServer, token_server: TokenServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _credentials(tmp_path, monkeypatch, {
        "type": "authorized_user", "client_id": "cid", "client_secret": "csecret-123456",
        "refresh_token": "1//refresh", "token_uri": token_server.url})
    assert await _ask(2) == ["q0", "q1"]
    assert token_server.forms[0]["grant_type"] == "refresh_token"


async def test_a_refused_token_request_is_a_clear_error(
    vertex: GoogleServer, token_server: TokenServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _credentials(tmp_path, monkeypatch, {
        "type": "authorized_user", "client_id": "cid", "client_secret": "csecret-123456",
        "refresh_token": "1//revoked", "token_uri": token_server.url})
    with pytest.raises(ModelAPIError, match="token request failed with HTTP 400"):
        await _ask(1)
    assert not vertex.requests
