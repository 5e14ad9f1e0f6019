"""web_search against a local stand-in for Google's search API and the pages it links."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from evalrunner.log import read_eval_log
from tests.conftest import run_cli
from tests.servers.openai_server import start_openai_server
from tests.servers.scripted_server import scripted_reply

PAGES = {
    "/a": "<html><body><p>Cooking pasta takes ten minutes.</p></body></html>",
    "/b": "<html><script>x()</script><body>evalrunner runs YAML suites of evals.</body></html>",
    "/c": "<html><body>More about evalrunner: it writes JSON logs.</body></html>",
}


@pytest.fixture
def web() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    searches: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if url.path == "/search":
                searches.append({k: v[0] for k, v in parse_qs(url.query).items()})
                items = [{"title": f"Page {p}", "link": base + p} for p in PAGES]
                data, kind = json.dumps({"items": items}).encode(), "application/json"
            else:
                data, kind = PAGES[url.path].encode(), "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/search", searches
    httpd.shutdown()
    httpd.server_close()


def test_web_search_keeps_relevant_pages(web: tuple[str, list[dict[str, Any]]],
                                         tmp_path: Path) -> None:
    url, searches = web
    model = "openai-api/test/small"
    with start_openai_server(responder=scripted_reply) as server:
        result = run_cli(
            "run", "suites/tools/web_search.yml", "--model", model, "--model-role",
            f"reader={model}", "--log-dir", str(tmp_path), "--display", "plain",
            env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key",
                 "GOOGLE_CSE_ID": "cse-id", "GOOGLE_CSE_API_KEY": "secret-cse-key",
                 "GOOGLE_CSE_URL": url},
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert searches == [{"q": "evalrunner", "cx": "cse-id", "key": "secret-cse-key",
                         "start": "1"}]
    (log_file,) = tmp_path.glob("*.json")
    assert "secret-cse-key" not in log_file.read_text()
    sample = read_eval_log(log_file).samples[0]
    (tool,) = [m for m in sample.messages if m.role == "tool"]
    assert "Cooking" not in tool.text  # the page about pasta was judged irrelevant
    assert tool.text.startswith("[Page /b](")
    assert "evalrunner runs YAML suites of evals." in tool.text
    assert "it writes JSON logs" in tool.text
    assert sample.scores["includes"].value == "C"
