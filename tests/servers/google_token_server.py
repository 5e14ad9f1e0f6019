"""Google's OAuth token endpoint, IAM's generateAccessToken and a Compute Engine metadata
server, as far as tests go.

POST /token takes a service account's RS256-signed JWT (verified with the account's public
key) or an authorized user's refresh token; POST /v1/projects/-/serviceAccounts/
{email}:generateAccessToken (impersonation) takes a bearer token the server issued;
GET / and /computeMetadata/v1/... answer as the metadata server does, only to requests
carrying `Metadata-Flavor: Google`. Each checks what it gets and refuses anything else as
Google does.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
# What a token may be asked for: Vertex AI's scope, or IAM's when it is to impersonate.
SCOPES = {SCOPE, "https://www.googleapis.com/auth/iam"}
ACCOUNT = "evals@proj.iam.gserviceaccount.com"
REFRESH_TOKEN = "1//refresh"
CLIENT_ID = "cid"
# A service account's assertion names Google's token endpoint, wherever it is sent.
AUDIENCE = "https://oauth2.googleapis.com/token"


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class GoogleTokenServer(ThreadingHTTPServer):
    """`with GoogleTokenServer(key, token) as tokens:`; grants give `token`, or
    `source_token` when impersonation is to follow."""

    def __init__(self, key: rsa.RSAPrivateKey, token: str,
                 impersonated_token: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.key = key
        self.token = token
        self.impersonated_token = impersonated_token
        self.forms: list[dict[str, str]] = []
        self.impersonations: list[str] = []  # the service accounts asked for
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.url = f"{self.base}/token"

    def impersonation_url(self, account: str) -> str:
        return f"{self.base}/v1/projects/-/serviceAccounts/{account}:generateAccessToken"

    def __enter__(self) -> GoogleTokenServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: GoogleTokenServer

    def do_GET(self) -> None:
        if self.headers.get("Metadata-Flavor") != "Google":
            self._send(403, {"error": "Missing Metadata-Flavor:Google header."})
            return
        path, _, query = self.path.partition("?")
        account = "/computeMetadata/v1/instance/service-accounts/default/"
        if path == "/":
            self._send(200, {}, metadata=True)
        elif path == "/computeMetadata/v1/project/project-id":
            self._send(200, "proj", metadata=True)
        elif path == account and "recursive=true" in query:
            self._send(200, {"email": ACCOUNT, "scopes": [SCOPE], "aliases": ["default"]},
                       metadata=True)
        elif path == account + "token":
            self.server.forms.append({"grant_type": "metadata", "query": query})
            self._send(200, {"access_token": self.server.token, "expires_in": 3599,
                             "token_type": "Bearer"}, metadata=True)
        else:
            self._send(404, {"error": "not found"}, metadata=True)

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        if self.path == "/token":
            self._token(raw)
        elif self.path.endswith(":generateAccessToken"):
            self._impersonate(raw)
        else:
            self._send(404, {"error": "not found"})

    def _token(self, raw: str) -> None:
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        self.server.forms.append(form)
        if not self._valid(form):
            self._send(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            return
        self._send(200, {"access_token": self.server.token, "expires_in": 3599,
                         "token_type": "Bearer"})

    def _valid(self, form: dict[str, str]) -> bool:
        if form.get("grant_type") == "refresh_token":
            return form.get("refresh_token") == REFRESH_TOKEN and form.get("client_id") == CLIENT_ID
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return False
        head, claims, signature = form["assertion"].split(".")
        try:
            self.server.key.public_key().verify(_unb64(signature), f"{head}.{claims}".encode(),
                                                padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        header, payload = json.loads(_unb64(head)), json.loads(_unb64(claims))
        return (header["alg"] == "RS256" and payload["iss"] == ACCOUNT
                and payload["aud"] == AUDIENCE
                and payload["exp"] - payload["iat"] == 3600 and payload["scope"] in SCOPES)

    def _impersonate(self, raw: str) -> None:
        account = unquote(self.path.rsplit("/", 1)[1].removesuffix(":generateAccessToken"))
        body = json.loads(raw or "{}")
        if (self.headers.get("Authorization") != f"Bearer {self.server.token}"
                or SCOPE not in body.get("scope", []) or self.server.impersonated_token is None):
            self._send(403, {"error": {"code": 403, "status": "PERMISSION_DENIED",
                                       "message": "The caller does not have permission"}})
            return
        self.server.impersonations.append(account)
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._send(200, {"accessToken": self.server.impersonated_token, "expireTime": expires})

    def _send(self, status: int, data: dict[str, Any] | str, metadata: bool = False) -> None:
        body = data.encode() if isinstance(data, str) else json.dumps(data).encode()
        self.send_response(status)
        if metadata:
            self.send_header("Metadata-Flavor", "Google")
        self.send_header("Content-Type", "text/plain" if isinstance(data, str)
                         else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass
