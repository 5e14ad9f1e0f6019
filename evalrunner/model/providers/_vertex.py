"""Vertex AI for the `google` provider: the same generateContent bodies, other URLs and auth.

Chosen with `-M vertex=true` or GOOGLE_GENAI_USE_VERTEXAI=true (the variable Google's own
SDK reads). With a project (GOOGLE_CLOUD_PROJECT or `-M project=`) requests go to that
project's endpoint in GOOGLE_CLOUD_LOCATION (`-M location=`, default us-central1) with an
OAuth access token: GOOGLE_CLOUD_ACCESS_TOKEN if set, else one from Application Default
Credentials (GOOGLE_APPLICATION_CREDENTIALS: a service account or an authorized user; see
_google_auth), else what `gcloud auth print-access-token` prints. A token is asked for
once and reused until shortly before it expires. Without a project, an API key
(GOOGLE_API_KEY) uses Vertex AI express mode. GOOGLE_VERTEX_BASE_URL (or
`--model-base-url`) replaces the host, for private endpoints and tests.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote

import httpx

from ..._util.secrets import register_secret
from .._api import ModelAPIError
from ._google_auth import credentials_file, token_from_file
from ._http import env

_GCLOUD_LIFETIME = 50 * 60.0  # gcloud's tokens last an hour


def vertex_chosen(flag: bool | None) -> bool:
    """`-M vertex=...` when given, else GOOGLE_GENAI_USE_VERTEXAI."""
    if flag is not None:
        return flag
    return (env("GOOGLE_GENAI_USE_VERTEXAI") or "").lower() in ("1", "true", "yes")


class Vertex:
    """Where a Vertex AI request goes and how it authenticates."""

    def __init__(self, project: str | None, location: str | None, host: str | None) -> None:
        self.project = project or env("GOOGLE_CLOUD_PROJECT")
        self.location = location or env("GOOGLE_CLOUD_LOCATION") or "us-central1"
        self.host = (host or env("GOOGLE_VERTEX_BASE_URL") or self._default_host()).rstrip("/")
        self._token: str | None = None
        self._expires = 0.0
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    def _default_host(self) -> str:
        if self.project is None or self.location == "global":
            return "https://aiplatform.googleapis.com"
        return f"https://{self.location}-aiplatform.googleapis.com"

    def url(self, model: str) -> str:
        name = quote(model, safe="")
        if self.project is None:  # express mode
            return f"{self.host}/v1/publishers/google/models/{name}:generateContent"
        return (f"{self.host}/v1/projects/{quote(self.project, safe='')}/locations/"
                f"{quote(self.location, safe='')}/publishers/google/models/{name}:generateContent")

    async def headers(self, api_key: str | None, client: httpx.AsyncClient) -> dict[str, str]:
        if self.project is not None:
            return {"Authorization": f"Bearer {await self.token(client)}"}
        if not api_key:
            raise ModelAPIError(
                "Vertex AI needs a project (GOOGLE_CLOUD_PROJECT, with an access token) or "
                "an API key for express mode (GOOGLE_API_KEY)"
            )
        return {"x-goog-api-key": api_key}

    async def token(self, client: httpx.AsyncClient) -> str:
        given = env("GOOGLE_CLOUD_ACCESS_TOKEN")
        if given:
            register_secret(given)
            return given
        async with self._guard():  # concurrent first calls ask for one token
            if self._token is None or time.monotonic() >= self._expires:
                file = credentials_file()
                if file is not None:
                    token, lifetime = await token_from_file(file, client)
                else:
                    token, lifetime = await _gcloud_token(), _GCLOUD_LIFETIME
                # Renewed a few minutes early: a request must not carry a dying token.
                self._token, self._expires = token, time.monotonic() + lifetime - 300
            return self._token

    def _guard(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock


async def _gcloud_token() -> str:
    try:
        process = await asyncio.create_subprocess_exec(
            "gcloud", "auth", "print-access-token",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        raise ModelAPIError(
            "no access token for Vertex AI: set GOOGLE_CLOUD_ACCESS_TOKEN, or install gcloud "
            "and run `gcloud auth login`"
        ) from None
    out, err = await process.communicate()
    token = out.decode().strip()
    if process.returncode != 0 or not token:
        raise ModelAPIError(
            f"`gcloud auth print-access-token` failed: {err.decode().strip()[:300]}"
        )
    register_secret(token)
    return token
