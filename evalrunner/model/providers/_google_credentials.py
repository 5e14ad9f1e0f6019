"""Google OAuth access tokens through google-auth (the `vertex` extra).

`google.auth.default()` finds Application Default Credentials as Google's own tools do:
GOOGLE_APPLICATION_CREDENTIALS (a service-account key, an authorized user, an
impersonated service account, or a workload-identity-federation config), the file
`gcloud auth application-default login` writes, or the metadata server on Google Cloud.
`-M impersonate=<service account email>` asks for that account's tokens with whichever
credentials were found. google-auth's token calls are synchronous: they run in a worker
thread, and their HTTP goes through the provider's own client on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..._util.secrets import redact, register_secret
from .._api import ModelAPIError

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
EXTRA_HINT = "pip install 'evalrunner[vertex]'"


def _google_auth() -> Any:
    try:
        import google.auth
        import google.auth.transport
    except ImportError:
        raise ModelAPIError(
            f"Vertex AI with Google credentials needs google-auth: {EXTRA_HINT} (or set "
            "GOOGLE_CLOUD_ACCESS_TOKEN, or GOOGLE_API_KEY for express mode)"
        ) from None
    return google.auth


class GoogleCredentials:
    """Access tokens for Vertex AI, found once and refreshed shortly before they expire."""

    def __init__(self, impersonate: str | None = None) -> None:
        self.impersonate = impersonate
        self._credentials: Any = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    async def token(self, client: httpx.AsyncClient) -> str:
        credentials = self._credentials
        if credentials is not None and credentials.valid:  # google-auth renews early
            return str(credentials.token)
        async with self._guard():  # concurrent first calls ask for one token
            if self._credentials is None or not self._credentials.valid:
                request = _Request(client, asyncio.get_running_loop())
                await asyncio.to_thread(self._refresh, request)
            token = str(self._credentials.token)
        register_secret(token)
        return token

    def _refresh(self, request: Any) -> None:
        auth = _google_auth()
        from google.auth import exceptions

        try:
            if self._credentials is None:
                self._credentials = self._find(auth, request)
            self._credentials.refresh(request)
        except exceptions.DefaultCredentialsError as ex:
            raise ModelAPIError(
                "no Google credentials for Vertex AI: set GOOGLE_APPLICATION_CREDENTIALS, "
                "run `gcloud auth application-default login`, or set "
                f"GOOGLE_CLOUD_ACCESS_TOKEN ({redact(str(ex))})"
            ) from None
        except exceptions.GoogleAuthError as ex:
            raise ModelAPIError(f"Google token request failed: {redact(str(ex))}") from None

    def _find(self, auth: Any, request: Any) -> Any:
        credentials, _project = auth.default(scopes=[SCOPE], request=request)
        if self.impersonate:
            from google.auth import impersonated_credentials

            credentials = impersonated_credentials.Credentials(  # type: ignore[no-untyped-call]
                source_credentials=credentials, target_principal=self.impersonate,
                target_scopes=[SCOPE],
            )
        return credentials

    def _guard(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock


class _Response:
    """google-auth's view of an HTTP response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers
        self.data = response.content


class _Request:
    """google-auth's transport, called from a worker thread: each request is run by the
    provider's HTTP client on the event loop, and the thread waits for its answer."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop

    def __call__(self, url: str, method: str = "GET", body: Any = None,
                 headers: Mapping[str, str] | None = None, timeout: float | None = None,
                 **kwargs: Any) -> _Response:
        import httpx
        from google.auth import exceptions

        call = self.client.request(method, url, content=body, headers=dict(headers or {}),
                                   timeout=timeout or 120)
        try:
            response = asyncio.run_coroutine_threadsafe(call, self.loop).result()
        except httpx.HTTPError as ex:
            error = f"{type(ex).__name__}: {ex}"
            raise exceptions.TransportError(error) from ex  # type: ignore[no-untyped-call]
        return _Response(response)
