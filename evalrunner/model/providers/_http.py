"""HttpModelAPI: what every provider speaking JSON over HTTP shares.

A lazily created httpx client (no network until the first generate), JSON requests,
and failures raised as `httpx.HTTPStatusError` whose message carries the server's own
explanation with every secret redacted, so the Model's one retry policy can read the
status code. Credentials go on each request, never on the client: the same process
may fetch images from other hosts, and keys must not travel there.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..._util.http import http_client
from ..._util.secrets import redact
from ...events._calls import note_exchange
from .._api import ModelAPI, ModelAPIError
from .._config import GenerateConfig
from .._model import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    import httpx  # imported where used: see model/_api.py


def env(*names: str) -> str | None:
    """The first of these environment variables that is set and not empty."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


class HttpModelAPI(ModelAPI):
    """Base of every provider speaking JSON over HTTP (native wires and OpenAI-compatible
    ones alike); subclasses build bodies and read replies."""

    # Instance-level, so one class may serve several services (openai-api/<service>).
    service: str = "provider"
    waits_for_io = True  # each call is an HTTP request (Model.generate need not yield)

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config, **model_args)
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def client(self, url: str | None = None, config: GenerateConfig | None = None
               ) -> httpx.AsyncClient:
        """The HTTP client, made in this event loop on first use: one per URL for a
        provider that spreads requests over replicas (`url`), else one."""
        loop = asyncio.get_running_loop()
        if self._client_loop is not loop:
            # Made in an event loop that has ended (a second asyncio.run): unusable here.
            self._client_loop = loop
            self._clients = {}
        key = url or ""
        made = self._clients.get(key)
        if made is None:
            made = self._clients[key] = self.create_client(url, config or self.config)
        return made

    def create_client(self, url: str | None, config: GenerateConfig) -> httpx.AsyncClient:
        """A new client; providers that put the key and base URL on it override this."""
        return http_client(max_connections=config.max_connections or self.max_connections())

    def require(self, value: str | None, what: str, variable: str) -> str:
        """`value`, or a clear error naming the variable that would provide it."""
        if not value:
            raise ModelAPIError(f"no {what} for {self.service}: set {variable}")
        return value

    async def request_json(
        self,
        method: str,
        url: str,
        config: GenerateConfig,
        body: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        """Send a request and return its decoded JSON reply; HTTP failures raise."""
        all_headers = dict(headers or {})
        if body is not None:
            content = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        response = await self.client().request(
            method, url, content=content, headers=all_headers, params=params,
            timeout=config.timeout or DEFAULT_TIMEOUT,
        )
        data = self.decode(response)
        note_exchange(body, data)  # for the model event (redacted when the log is written)
        return data

    def decode(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise self.status_error(response)
        try:
            return json.loads(response.content)
        except ValueError:
            raise ModelAPIError(
                f"{self.service} returned a reply that is not JSON: "
                f"{redact(response.text[:200])!r}"
            ) from None

    def status_error(self, response: httpx.Response) -> httpx.HTTPStatusError:
        """An HTTPStatusError whose message is the server's explanation, redacted."""
        import httpx

        detail = redact(self.error_detail(response))
        message = (
            f"{self.service} request failed with HTTP {response.status_code} "
            f"{response.reason_phrase}: {detail}"
        )
        return httpx.HTTPStatusError(message, request=response.request, response=response)

    def error_detail(self, response: httpx.Response) -> str:
        """The server's explanation of a failure; providers override for their error shape."""
        return error_text(response.content)

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        # A client of another event loop cannot be closed from this one; dropping it is
        # all that is left (its sockets close when it is collected).
        if self._client_loop is asyncio.get_running_loop():
            for client in clients:
                await client.aclose()


def error_text(content: bytes) -> str:
    """`error.message`, `message` or `detail` of a JSON error body, else the raw text."""
    try:
        data = json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace").strip()[:500]
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            for key in ("message", "Message", "detail"):
                if error.get(key):
                    value = error[key]
                    return value if isinstance(value, str) else json.dumps(value)[:500]
        if isinstance(error, str):
            return error
    return json.dumps(data)[:500]


def data_url_parts(url: str) -> tuple[str, str] | None:
    """(media type, base64 data) of a `data:` URL, or None for any other URL."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    if not sep:
        raise ModelAPIError("malformed data URL in an image part")
    media_type, *options = header.split(";")
    if "base64" in options:
        return media_type or "application/octet-stream", data
    # A percent-encoded (non base64) data URL: decode then re-encode.
    from urllib.parse import unquote_to_bytes

    return media_type or "text/plain", base64.b64encode(unquote_to_bytes(data)).decode()


async def image_data(url: str) -> tuple[str, str]:
    """(media type, base64 data) of an image given as a data URL or an http(s) URL.

    URLs are fetched with a fresh client, so no provider credential goes along.
    """
    parts = data_url_parts(url)
    if parts is not None:
        try:
            base64.b64decode(parts[1], validate=True)
        except (binascii.Error, ValueError):
            raise ModelAPIError("an image data URL does not hold valid base64") from None
        return parts
    if not url.startswith(("http://", "https://")):
        raise ModelAPIError(f"cannot read image '{url[:80]}': use a data URL or an http(s) URL")
    async with http_client(follow_redirects=True, timeout=60) as client:
        response = await client.get(url)
    if response.status_code >= 400:
        raise ModelAPIError(f"fetching image {url[:80]} failed with HTTP {response.status_code}")
    media_type = response.headers.get("content-type", "image/png").split(";")[0].strip()
    return media_type, base64.b64encode(response.content).decode()


def synthetic_status_error(status: int, message: str, url: str) -> httpx.HTTPStatusError:
    """An HTTPStatusError for a failure reported inside a reply (a batch result line), so
    the retry policy treats it exactly like the same status on a direct request."""
    import httpx

    request = httpx.Request("POST", url)
    response = httpx.Response(status, request=request, json={"error": {"message": message}})
    return httpx.HTTPStatusError(redact(message), request=request, response=response)


def alternate_turns(
    parts: Iterable[tuple[str, list[dict[str, Any]]]], key: str
) -> list[dict[str, Any]]:
    """Turns from (role, parts) pairs, neighbours of one role merged into one turn.

    Anthropic, Bedrock and Gemini take strictly alternating turns; tool results travel
    in user turns, so a run of them (or a tool result then a user message) is one turn.
    """
    turns: list[dict[str, Any]] = []
    for role, items in parts:
        if turns and turns[-1]["role"] == role:
            turns[-1][key].extend(items)
        else:
            turns.append({"role": role, key: list(items)})
    return turns
