"""The test server itself: the provider tests are only as good as its format checks."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.servers.openai_server import ServerHandle, start_openai_server

USER = {"role": "user", "content": "hi"}


@pytest.fixture(scope="module")
def server() -> Iterator[ServerHandle]:
    with start_openai_server(api_key="k-123456") as handle:
        yield handle


def post(server: ServerHandle, body: Any, path: str = "/chat/completions",
         key: str = "k-123456") -> httpx.Response:
    return httpx.post(
        server.url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def test_accepts_a_valid_request(server: ServerHandle) -> None:
    response = post(server, {"model": "m", "messages": [USER], "n": 2})
    assert response.status_code == 200
    data = response.json()
    assert [c["message"]["content"] for c in data["choices"]] == ["hi", "hi"]
    assert data["usage"] == {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"model": "m", "messages": [USER], "top_k": 5}, "Unrecognized request argument"),
        ({"messages": [USER]}, "model"),
        ({"model": "m", "messages": []}, "messages"),
        ({"model": "m", "messages": [{"role": "robot", "content": "x"}]}, "invalid role"),
        ({"model": "m", "messages": [{"role": "user", "content": None}]}, "content"),
        ({"model": "m", "messages": [USER, {"role": "tool", "tool_call_id": "c1",
                                           "content": "5"}]}, "preceding"),
        ({"model": "m", "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "file:///etc/passwd"}}]}]}, "content part"),
        ({"model": "m", "messages": [USER], "tool_choice": "auto"}, "only allowed when"),
        ({"model": "m", "messages": [USER], "tools": [{"type": "function",
                                                       "function": {"name": "a b"}}]}, "tool"),
        ({"model": "m", "messages": [USER], "temperature": 3}, "temperature"),
        ({"model": "m", "messages": [USER], "max_tokens": 1,
          "max_completion_tokens": 1}, "not both"),
        ({"model": "m", "messages": [USER], "top_logprobs": 2}, "logprobs"),
        ({"model": "m", "messages": [USER], "stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ],
)
def test_rejects_malformed_requests(server: ServerHandle, body: Any, fragment: str) -> None:
    before = len(server.requests)
    response = post(server, body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert server.requests[before].rejected


def test_rejects_wrong_path_and_key(server: ServerHandle) -> None:
    assert post(server, {"model": "m", "messages": [USER]}, path="/completions").status_code == 404
    response = post(server, {"model": "m", "messages": [USER]}, key="nope-nope")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_runs_as_a_process_printing_its_url() -> None:
    command = [sys.executable, "-m", "tests.servers.openai_server", "--api-key", "k-123456"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        response = httpx.post(
            url + "/chat/completions", json={"model": "m", "messages": [USER]},
            headers={"Authorization": "Bearer k-123456"}, timeout=10,
        )
        assert response.json()["choices"][0]["message"]["content"] == "hi"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
