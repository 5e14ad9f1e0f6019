"""httpx's transport over aiohttp, with errors named as httpx's own transport names them.

Imported only when the first HTTP client is made: aiohttp costs a tenth of a second to
import, which the CLI's start must not pay.
"""

from __future__ import annotations

import base64
import functools
import ssl
import urllib.request
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

import aiohttp
import httpx
import yarl
from httpx_aiohttp import AiohttpTransport

# How long an idle connection stays open for the next request.
KEEPALIVE_SECONDS = 30.0


class Client(httpx.AsyncClient):
    """httpx's client, sending a plain request straight to the transport.

    A request with no auth flow, no redirect to follow and no event hooks needs none of
    `send()`'s machinery; skipping it (and reading cookies only when a response sets
    some) saves about a fifth of a request's CPU at high concurrency.
    """

    def __init__(self, *, transport: _Transport, **options: Any) -> None:
        super().__init__(transport=transport, **options)
        self._direct = transport
        # Parsed URLs by the text a caller passed: httpx parses (and joins to base_url)
        # every request's URL, a sixth of its CPU; a provider sends to a few URLs.
        self._urls: dict[str, httpx.URL] = {}
        self._targets: dict[str, _Target] = {}

    def build_request(self, method: str, url: Any, **options: Any) -> httpx.Request:
        return super().build_request(method, self._url(url) if isinstance(url, str) else url,
                                     **options)

    def _url(self, url: str) -> httpx.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx.URL(url)
            if parsed.is_relative_url and str(self.base_url):
                parsed = httpx.URL(str(self.base_url) + url.lstrip("/"))
            if len(self._urls) >= 256:
                self._urls.clear()
            self._urls[url] = parsed
        return parsed

    async def post(  # type: ignore[override]
        self, url: Any, *, content: Any = None, timeout: Any = httpx.USE_CLIENT_DEFAULT,
        **options: Any,
    ) -> httpx.Response:
        """httpx's `post`; bytes posted to a URL given as text, with nothing else asked,
        go straight to aiohttp.

        Building an httpx request, and aiohttp's copy of its headers, cost as much CPU as
        aiohttp's own sending: this is the path of every model call. Its request is made
        only if something asks for it (an error, a cookie).
        """
        if (options or not isinstance(content, bytes) or not isinstance(url, str)
                or self.params or self.cookies or not self._plain()):
            return await super().post(url, content=content, timeout=timeout, **options)
        target = self._target(url)

        def request() -> httpx.Request:
            return self.build_request("POST", url, content=content, timeout=timeout)

        limits = self.timeout if timeout is httpx.USE_CLIENT_DEFAULT else timeout
        response = await self._direct.exchange("POST", target, content, _as_timeout(limits),
                                                request)
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(response)
        return response

    def _plain(self) -> bool:
        """Nothing for `send()`'s machinery to do: no auth, redirects or hooks."""
        return (self.auth is None and not self.follow_redirects
                and not any(self.event_hooks.values()) and not self.is_closed)

    def _target(self, url: str) -> _Target:
        headers = self.headers.raw
        target = self._targets.get(url)
        if target is None or target.source != headers:
            if len(self._targets) >= 256:
                self._targets.clear()
            target = self._targets[url] = _Target.of(self._url(url), self.headers)
        return target

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        plain = (auth is httpx.USE_CLIENT_DEFAULT and follow_redirects is not True
                 and self._plain())
        if not plain:
            return await super().send(
                request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        direct = self._direct
        if stream:
            response = await direct.handle_async_request(request)
        else:
            response = await direct.fetch(request)
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(response)
        return response


def transport(max_connections: int | None, context: ssl.SSLContext) -> _Transport:
    """A transport whose aiohttp session is made on its first request (in that loop)."""

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=max_connections or 0, keepalive_timeout=KEEPALIVE_SECONDS, ssl=context
        )
        # Not aiohttp's trust_env: it looks up proxies and ~/.netrc in a worker thread for
        # every request (two thread hand-offs, a third of a request's CPU). Proxies from
        # the environment are resolved once per host instead (`proxy_for`).
        return aiohttp.ClientSession(connector=connector)

    return _Transport(verify=context, client=session)


class _Transport(AiohttpTransport):
    """httpx-aiohttp's transport, sending the URL exactly as httpx encoded it.

    aiohttp re-quotes a URL given as text (`%3A` in a path becomes `:`), which breaks
    signed requests (AWS SigV4 signs the path as sent) and ids with reserved characters.
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A streamed body (a multipart upload) is read first: aiohttp takes bytes.
        content = await request.aread()
        response = await self._open(request.method, _Target.of(request.url, request.headers),
                                    content, _as_timeout(request), lambda: request)
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Stream(response, request),
            request=request,
            extensions=_extensions(response),
        )

    async def fetch(self, request: httpx.Request) -> httpx.Response:
        """The response with its body read: one read instead of a chain of streams."""
        content = await request.aread()
        return await self.exchange(request.method, _Target.of(request.url, request.headers),
                                    content, _as_timeout(request), lambda: request)

    async def exchange(
        self, method: str, target: _Target, content: bytes, timeout: aiohttp.ClientTimeout,
        request: Callable[[], httpx.Request],
    ) -> httpx.Response:
        """Send and read the whole body; `request` makes the httpx request, asked only when
        something needs it (an error, a cookie jar)."""
        response = await self._open(method, target, content, timeout, request)
        try:
            body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as ex:
            raise as_httpx_error(ex, request()) from ex
        finally:
            response.release()
        return _Response(
            request,
            status_code=response.status,
            headers=response.raw_headers,
            content=body,
            extensions=_extensions(response),
        )

    async def _open(
        self, method: str, target: _Target, content: bytes, timeout: aiohttp.ClientTimeout,
        request: Callable[[], httpx.Request],
    ) -> aiohttp.ClientResponse:
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        try:
            return await self.client.request(
                method,
                target.wire,
                headers=target.headers,
                data=content or None,
                allow_redirects=False,
                auto_decompress=False,  # httpx decodes
                compress=False,
                timeout=timeout,
                proxy=target.proxy,
                proxy_headers=target.proxy_headers,
            )
        except (aiohttp.ClientError, TimeoutError) as ex:
            raise as_httpx_error(ex, request()) from ex


@dataclass(frozen=True)
class _Target:
    """Where a request goes, as aiohttp takes it: the URL exactly as httpx encoded it, the
    proxy for its host, and the headers (a plain-HTTP proxy's credentials among them)."""

    wire: yarl.URL
    proxy: yarl.URL | None
    proxy_headers: dict[str, str] | None
    headers: list[tuple[str, str]]
    source: list[tuple[bytes, bytes]]  # the httpx headers these were made from

    @classmethod
    def of(cls, url: httpx.URL, headers: httpx.Headers) -> _Target:
        proxy, proxy_headers = proxy_for(url.scheme, url.host)
        items = headers.multi_items()
        if proxy_headers and url.scheme == "http":
            # A plain-HTTP request goes to the proxy itself, which reads the credentials
            # from it; an HTTPS one carries them on the CONNECT (`proxy_headers`).
            items, proxy_headers = [*items, *proxy_headers.items()], None
        return cls(yarl.URL(str(url), encoded=True), proxy, proxy_headers, items, headers.raw)


class _Response(httpx.Response):
    """An httpx response whose request is made the first time something reads it."""

    def __init__(self, request: Callable[[], httpx.Request], **fields: Any) -> None:
        super().__init__(**fields)
        self._make_request = request

    @property
    def request(self) -> httpx.Request:
        if self._request is None:
            self._request = self._make_request()
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value


def _as_timeout(timeout: httpx.Request | httpx.Timeout | float | None) -> aiohttp.ClientTimeout:
    """aiohttp's timeout for httpx's: a request's, a client's, or a number of seconds."""
    if isinstance(timeout, httpx.Request):
        limits = timeout.extensions.get("timeout", {})
        return _timeout(limits.get("connect"), limits.get("read"), limits.get("pool"))
    if isinstance(timeout, httpx.Timeout):
        return _timeout(timeout.connect, timeout.read, timeout.pool)
    return _timeout(timeout, timeout, timeout)


def _extensions(response: aiohttp.ClientResponse) -> dict[str, Any]:
    extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
    if response.reason:
        extensions["reason_phrase"] = response.reason.encode()
    return extensions


@functools.lru_cache(maxsize=64)
def _timeout(
    connect: float | None, read: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(sock_connect=connect, sock_read=read, connect=pool)


@functools.cache
def proxy_for(scheme: str, host: str) -> tuple[yarl.URL | None, dict[str, str] | None]:
    """The proxy for a host from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and NO_PROXY (read
    when a host is first seen), and the header with the credentials its URL carries."""
    proxies = urllib.request.getproxies_environment()
    if not proxies or proxy_bypass_environment(host, proxies):
        return None, None
    address = proxies.get(scheme) or proxies.get("all")
    if not address:
        return None, None
    url = yarl.URL(address if "://" in address else f"http://{address}")
    if not url.user:
        return url, None
    token = base64.b64encode(f"{url.user}:{url.password or ''}".encode()).decode()
    return url.with_user(None), {"Proxy-Authorization": f"Basic {token}"}


class _Stream(httpx.AsyncByteStream):
    """The body of an aiohttp response, its errors raised as httpx's."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(64 * 1024):
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as ex:
            raise as_httpx_error(ex, self._request) from ex

    async def aclose(self) -> None:
        self._response.release()


def as_httpx_error(ex: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception httpx's own transport raises for the same failure, so the
    retry policy classifies it as before: connect errors, resets and timeouts are
    transient; a malformed URL is not."""
    kind: type[httpx.TransportError]
    if isinstance(ex, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        kind = httpx.ProxyError
    elif isinstance(ex, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout
    elif isinstance(ex, aiohttp.SocketTimeoutError | TimeoutError):
        kind = httpx.ReadTimeout
    elif isinstance(ex, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError
    elif isinstance(ex, aiohttp.ServerDisconnectedError):
        kind = httpx.RemoteProtocolError
    elif isinstance(ex, aiohttp.InvalidURL):
        kind = httpx.UnsupportedProtocol
    elif isinstance(ex, aiohttp.ClientPayloadError | aiohttp.ClientOSError):
        kind = httpx.ReadError
    else:
        kind = httpx.NetworkError
    return kind(str(ex) or type(ex).__name__, request=request)
