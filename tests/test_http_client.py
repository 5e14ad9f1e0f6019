"""The one HTTP client factory: failures keep their meaning through aiohttp's transport,
TLS trusts SSL_CERT_FILE, proxies come from the environment, and nothing else in the
package makes its own client."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from evalrunner._util import _aiohttp, http
from evalrunner.model import GenerateConfig, get_model
from tests.servers.openai_server import start_openai_server

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-http-0123456789"
REPLY = (
    b'{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"fine"},"finish_reason":"stop"}],'
    b'"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'
)

Handler = Callable[[int, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A bare HTTP server whose handler is told the request's number (from 0)."""
    count = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), 0)
                await reader.readexactly(length)
                number, count = count, count + 1
                await handler(number, reader, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()


def ok(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(REPLY), REPLY))


async def generate_through(url: str, **config: float) -> tuple[str, int]:
    """(completion, retries) of one generate against `url`."""
    model = get_model("openai-api/t/m", base_url=url, api_key=KEY, memoize=False,
                      config=GenerateConfig(**config))  # type: ignore[arg-type]
    async with model:
        output = await model.generate("hi")
    return output.completion, model.stats.retries


async def test_a_reset_before_the_reply_is_retried_as_a_protocol_error() -> None:
    async def handler(n: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if n in (0, 1):  # the client below, then the model's first attempt
            writer.transport.abort()  # the server drops the connection: no reply at all
        else:
            ok(writer)

    async with raw_server(handler) as url:
        async with http.http_client(base_url=url) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.post("/chat/completions", content=b"{}")
        assert await generate_through(url) == ("fine", 1)


async def test_a_reset_mid_body_is_a_read_error_and_retried() -> None:
    async def handler(n: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if n in (0, 1):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n" + REPLY[:40])
            await writer.drain()
            writer.transport.abort()
        else:
            ok(writer)

    async with raw_server(handler) as url:
        async with http.http_client(base_url=url) as client:
            with pytest.raises(httpx.ReadError):
                await client.post("/chat/completions", content=b"{}")
        assert await generate_through(url) == ("fine", 1)


async def test_a_hang_past_the_timeout_is_a_read_timeout_and_retried() -> None:
    async def handler(n: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if n in (0, 1):  # the client below, then the model's first attempt
            await asyncio.sleep(3)
        ok(writer)

    async with raw_server(handler) as url:
        async with http.http_client(base_url=url, timeout=0.3) as client:
            start = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):
                await client.post("/chat/completions", content=b"{}")
            assert time.monotonic() - start < 2
        assert await generate_through(url, timeout=0.3) == ("fine", 1)


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with raw_server(lambda n, r, w: asyncio.sleep(0)) as url:
        pass  # closed: nothing listens on the port any more
    async with http.http_client(base_url=url) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/models")


async def test_429_and_500_keep_their_status_and_retry_after() -> None:
    with start_openai_server(api_key=KEY, fail_429=1, fail_500=1, retry_after="0.3") as server:
        start = time.monotonic()
        assert await generate_through(server.url) == ("hi", 2)
        elapsed = time.monotonic() - start
        assert [r.status for r in server.requests] == [429, 500, 200]
    assert 0.6 <= elapsed < 1.8  # twice the server's 0.3 s, not the 1 s backoff


async def test_proxies_from_the_environment_and_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head)
        if head.startswith(b"POST"):
            await reader.readexactly(2)  # the body below
        ok(writer)
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(record, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://user:pw@127.0.0.1:{port}")
    monkeypatch.setenv("NO_PROXY", "direct.test")
    _aiohttp.proxy_for.cache_clear()
    try:
        async with http.http_client() as client:
            response = await client.get("http://far.example/v1/models?x=%3A")
        # A POST of bytes skips httpx's request building: the same proxy, the same way.
        async with http.http_client(base_url="http://far.example/v1/") as client:
            posted = await client.post("chat/completions", content=b"{}")
        assert response.status_code == posted.status_code == 200
        # Sent to the proxy in absolute form, the URL exactly as httpx encoded it.
        assert len(seen) == 2
        lines = seen[0].split(b"\r\n")
        assert lines[0] == b"GET http://far.example/v1/models?x=%3A HTTP/1.1"
        assert b"Proxy-Authorization: Basic dXNlcjpwdw==" in lines  # user:pw
        lines = seen[1].split(b"\r\n")
        assert lines[0] == b"POST http://far.example/v1/chat/completions HTTP/1.1"
        assert b"Proxy-Authorization: Basic dXNlcjpwdw==" in lines
        assert _aiohttp.proxy_for("http", "direct.test") == (None, None)
    finally:
        _aiohttp.proxy_for.cache_clear()
        listener.close()


async def test_a_post_of_bytes_sends_what_the_httpx_path_sends() -> None:
    """`post(url, content=bytes)` skips httpx's request building: the same request line,
    headers and body reach the server as through `request()`, a header changed on the
    client is sent from then on, and the response still names its request."""
    seen: list[tuple[bytes, bytes]] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length"))
            seen.append((head, await reader.readexactly(length)))
            ok(writer)
        writer.close()

    listener = await asyncio.start_server(record, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]

    def fields(head: bytes) -> tuple[bytes, set[bytes]]:
        first, *rest = head.strip().split(b"\r\n")
        return first, {line.lower() for line in rest}

    try:
        async with http.http_client(base_url=f"http://127.0.0.1:{port}/v1/",
                                    headers={"Authorization": "Bearer k", "X-A": "1"}) as client:
            fast = await client.post("chat/completions?x=%3A", content=b'{"a":1}')
            slow = await client.request("POST", "chat/completions?x=%3A", content=b'{"a":1}')
            client.headers["X-A"] = "2"
            changed = await client.post("chat/completions?x=%3A", content=b"{}")
        assert changed.status_code == 200
        assert fast.status_code == slow.status_code == 200 and fast.json() == slow.json()
        assert fast.request.url == slow.request.url  # made on demand, same as httpx's
        assert seen[0][1] == seen[1][1] == b'{"a":1}'
        assert fields(seen[0][0]) == fields(seen[1][0])
        assert fields(seen[0][0])[0] == b"POST /v1/chat/completions?x=%3A HTTP/1.1"
        assert b"authorization: bearer k" in fields(seen[0][0])[1]
        assert b"x-a: 2" in fields(seen[2][0])[1] and b"x-a: 1" not in fields(seen[2][0])[1]
    finally:
        listener.close()


async def test_tls_trusts_ssl_cert_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        ok(writer)
        await writer.drain()
        writer.close()

    listener = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    url = f"https://127.0.0.1:{listener.sockets[0].getsockname()[1]}/"
    try:
        http.ssl_context.cache_clear()
        async with http.http_client() as client:
            with pytest.raises(httpx.ConnectError):  # not in the system's bundle
                await client.get(url)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        http.ssl_context.cache_clear()
        async with http.http_client() as client:
            assert (await client.get(url)).status_code == 200
    finally:
        http.ssl_context.cache_clear()
        listener.close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_no_other_module_makes_an_http_client() -> None:
    """Every HTTP client of the package comes from `http_client()`: one place decides
    transport, TLS, proxies and limits."""
    makers = ("httpx.AsyncClient(", "httpx.Client(", "aiohttp.ClientSession(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "evalrunner").rglob("*.py")
        if path.name not in ("http.py", "_aiohttp.py")
        and any(maker in path.read_text(encoding="utf-8") for maker in makers)
    ]
    assert offenders == []
