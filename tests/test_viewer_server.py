"""The viewer's HTTP server: gzip, keep-alive, errors as JSON, the Host guard, IPv6."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
from pathlib import Path
from urllib.parse import quote

import pytest

from evalrunner.viewer import BackgroundViewer
from tests.viewer_logs import write_log


def _conn(url: str) -> http.client.HTTPConnection:
    host, _, port = url.split("//", 1)[1].rstrip("/").rpartition(":")
    return http.client.HTTPConnection(host.strip("[]"), int(port), timeout=30)


def test_json_and_text_are_gzipped_for_clients_that_accept_it(tmp_path: Path) -> None:
    write_log(tmp_path / "a.json", 200)
    path = f"/api/logs/{quote('a.json', safe='')}/samples?limit=100"
    with BackgroundViewer(tmp_path) as viewer:
        conn = _conn(viewer.url)
        conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
        zipped = conn.getresponse()
        body = zipped.read()
        assert zipped.status == 200 and zipped.getheader("Content-Encoding") == "gzip"
        page = json.loads(gzip.decompress(body))
        # The same connection serves the next request (keep-alive), here uncompressed.
        conn.request("GET", path)
        plain = conn.getresponse()
        raw = plain.read()
        assert plain.getheader("Content-Encoding") is None
        assert json.loads(raw) == page and len(page["items"]) == 100
        assert len(body) < len(raw) / 3
        conn.request("GET", "/assets/samples.js", headers={"Accept-Encoding": "gzip"})
        script = conn.getresponse()
        assert script.getheader("Content-Encoding") == "gzip"
        assert script.getheader("Content-Type") == "text/javascript; charset=utf-8"
        assert b"function" in gzip.decompress(script.read())
        assert "default-src 'self'" in (script.getheader("Content-Security-Policy") or "")
        conn.close()


def test_errors_are_json_and_methods_are_named(tmp_path: Path) -> None:
    with BackgroundViewer(tmp_path) as viewer:
        conn = _conn(viewer.url)
        for method, path, status in (("GET", "/nowhere", 404), ("GET", "/api/logs/x.json", 404),
                                     ("DELETE", "/api/logs", 405), ("POST", "/", 405)):
            conn.request(method, path)
            response = conn.getresponse()
            error = json.loads(response.read())["error"]
            assert response.status == status and error, (method, path)
            assert response.getheader("Cache-Control") == "no-store"
            if status == 405:
                assert "GET" in (response.getheader("Allow") or "")
        conn.close()


def test_a_request_without_a_host_header_is_refused_on_loopback(tmp_path: Path) -> None:
    with BackgroundViewer(tmp_path) as viewer:
        port = int(viewer.url.rstrip("/").rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET /api/logs HTTP/1.0\r\n\r\n")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 403") or reply.startswith(b"HTTP/1.0 403")
        conn = _conn(viewer.url)
        conn.request("GET", "/api/logs", headers={"Host": f"localhost:{port}"})
        assert conn.getresponse().status == 200
        conn.close()


def test_ipv6_loopback(tmp_path: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        viewer = BackgroundViewer(tmp_path, host="::1")
        viewer.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert viewer.url.startswith("http://[::1]:")
        conn = _conn(viewer.url)
        conn.request("GET", "/api/logs")
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read()) == []
        conn.close()
    finally:
        viewer.stop()


def test_the_host_check_holds_on_any_loopback_address(tmp_path: Path) -> None:
    # 127.0.0.2 is loopback too: a rebound name must not reach it.
    with BackgroundViewer(tmp_path, host="127.0.0.2") as viewer:
        port = int(viewer.url.rstrip("/").rsplit(":", 1)[1])
        conn = _conn(viewer.url)
        for host, status in ((f"attacker.example:{port}", 403), (f"127.0.0.2:{port}", 200),
                             (f"localhost:{port}", 200)):
            conn.request("GET", "/api/logs", headers={"Host": host})
            response = conn.getresponse()
            response.read()
            assert response.status == status, host
        conn.close()
