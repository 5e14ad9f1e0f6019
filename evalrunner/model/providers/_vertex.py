"""Vertex AI for the `google` provider: the same generateContent bodies, other URLs and auth.

Chosen with `-M vertex=true` or GOOGLE_GENAI_USE_VERTEXAI=true (the variable Google's own
SDK reads). With a project (GOOGLE_CLOUD_PROJECT or `-M project=`) requests go to that
project's endpoint in GOOGLE_CLOUD_LOCATION (`-M location=`, default us-central1) with an
OAuth access token: GOOGLE_CLOUD_ACCESS_TOKEN if set, else one from google-auth's
Application Default Credentials (the `vertex` extra; see _google_credentials), optionally
impersonating `-M impersonate=<service account>`. Without a project, an API key
(GOOGLE_API_KEY) uses Vertex AI express mode. GOOGLE_VERTEX_BASE_URL (or
`--model-base-url`) replaces the host, for private endpoints and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from ..._util.secrets import register_secret
from .._api import ModelAPIError
from ._google_credentials import GoogleCredentials
from ._http import env

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py


def vertex_chosen(flag: bool | None) -> bool:
    """`-M vertex=...` when given, else GOOGLE_GENAI_USE_VERTEXAI."""
    if flag is not None:
        return flag
    return (env("GOOGLE_GENAI_USE_VERTEXAI") or "").lower() in ("1", "true", "yes")


class Vertex:
    """Where a Vertex AI request goes and how it authenticates."""

    def __init__(self, project: str | None, location: str | None, host: str | None,
                 impersonate: str | None = None) -> None:
        self.project = project or env("GOOGLE_CLOUD_PROJECT")
        self.location = location or env("GOOGLE_CLOUD_LOCATION") or "us-central1"
        self.host = (host or env("GOOGLE_VERTEX_BASE_URL") or self._default_host()).rstrip("/")
        self.credentials = GoogleCredentials(impersonate)

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
        return await self.credentials.token(client)
