"""The one place that makes HTTP clients: every provider, batch client, token exchange and
tool that speaks HTTP gets its `httpx.AsyncClient` from `http_client()`.

The API is httpx's (requests, responses, exceptions, timeouts); the bytes go through
aiohttp's connection pool (`httpx_aiohttp.AiohttpTransport`). httpcore's pool scans every
connection for every request, so its CPU cost per request grows with the number of
connections (about 10 ms at 100); aiohttp's does not. What is decided here, once:

- TLS: the system's CA bundle, which `SSL_CERT_FILE` and `SSL_CERT_DIR` override;
- proxies: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment;
- keep-alive, and the connection limit (a model's `max_connections`);
- errors: aiohttp's are raised as the httpx exceptions the retry policy classifies
  (`ConnectError`, `ReadTimeout`, `RemoteProtocolError` for a reset, ...).

aiohttp is imported when the first client is made, never when the CLI starts.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 120.0


def http_client(
    *,
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_connections: int | None = None,
    follow_redirects: bool = False,
) -> httpx.AsyncClient:
    """A new client: httpx's API over aiohttp's transport.

    `max_connections` caps the sockets open at once (None: no cap; the Model's own limit
    bounds concurrency). The aiohttp session is made on the first request, in the event
    loop that sends it; use the client from that loop only and close it with `aclose()`.
    """
    from ._aiohttp import Client, transport

    return Client(
        base_url=base_url,
        headers=headers,
        params=params,
        timeout=timeout,
        follow_redirects=follow_redirects,
        transport=transport(max_connections, ssl_context()),
    )


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The system's CA bundle (OpenSSL honours SSL_CERT_FILE and SSL_CERT_DIR); made
    once, since loading a bundle costs milliseconds."""
    return ssl.create_default_context()
