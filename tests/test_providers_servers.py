"""The provider test servers refuse what the real APIs refuse, so a provider that drifts
from its wire format fails its tests instead of passing against a lenient fake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.servers._wire_server import WireServer
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.azure_server import AzureAIServer, AzureOpenAIServer
from tests.servers.bedrock_server import BedrockServer
from tests.servers.cloudflare_server import CloudflareServer
from tests.servers.google_server import GoogleServer
from tests.servers.mistral_server import MistralServer

KEY = "test-key"
MSG = [{"role": "user", "content": "hi"}]
ANTHROPIC = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
CF_PATH = "/client/v4/accounts/acct123/ai/run/@cf/meta/llama"
GOOGLE_PATH = "/v1beta/models/gemini-2.0-flash:generateContent"

# (server, method, path, headers, body, status, fragment of the error)
CASES: list[tuple[Callable[[], WireServer], str, str, dict[str, str], Any, int, str]] = [
    (AnthropicServer, "POST", "/v1/messages", {"anthropic-version": "2023-06-01"},
     {"model": "m", "max_tokens": 5, "messages": MSG}, 401, "x-api-key"),
    (AnthropicServer, "POST", "/v1/messages", {"x-api-key": KEY},
     {"model": "m", "max_tokens": 5, "messages": MSG}, 400, "anthropic-version"),
    (AnthropicServer, "POST", "/v1/messages", ANTHROPIC,
     {"model": "m", "messages": MSG}, 400, "max_tokens"),
    (AnthropicServer, "POST", "/v1/messages", ANTHROPIC,
     {"model": "m", "max_tokens": 5, "messages": MSG, "seed": 1}, 400, "unknown field 'seed'"),
    (AnthropicServer, "POST", "/v1/messages", ANTHROPIC,
     {"model": "m", "max_tokens": 5, "messages": [*MSG, *MSG]}, 400, "alternate"),
    (AnthropicServer, "POST", "/v1/messages", ANTHROPIC,
     {"model": "m", "max_tokens": 5, "messages": [
         {"role": "user", "content": "q"},
         {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f",
                                            "input": {}}]},
         {"role": "user", "content": "no result"}],
      "tools": [{"name": "f", "input_schema": {"type": "object"}}]}, 400, "tool_result"),
    (AnthropicServer, "POST", "/v1/messages", ANTHROPIC,
     {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": [
         {"type": "text", "text": " "}]}]}, 400, "non-empty"),
    (GoogleServer, "POST", GOOGLE_PATH, {"x-goog-api-key": "wrong"},
     {"contents": [{"role": "user", "parts": [{"text": "x"}]}]}, 400, "API key not valid"),
    (GoogleServer, "POST", GOOGLE_PATH, {"x-goog-api-key": KEY},
     {"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}, 400, "valid role"),
    (GoogleServer, "POST", GOOGLE_PATH, {"x-goog-api-key": KEY},
     {"contents": [{"role": "user", "parts": [{"text": "x"}]}],
      "generationConfig": {"max_tokens": 5}}, 400, "unknown field 'max_tokens'"),
    (GoogleServer, "POST", GOOGLE_PATH, {"x-goog-api-key": KEY},
     {"contents": [{"role": "user", "parts": [{"text": "x"}]}],
      "tools": [{"functionDeclarations": [{"name": "f", "parameters": {
          "type": "object", "additionalProperties": False}}]}]}, 400, "additionalProperties"),
    (MistralServer, "POST", "/v1/chat/completions", {"authorization": f"Bearer {KEY}"},
     {"model": "m", "messages": MSG, "seed": 3}, 422, "Extra inputs"),
    (MistralServer, "POST", "/v1/chat/completions", {"authorization": f"Bearer {KEY}"},
     {"model": "m", "messages": [
         *MSG, {"role": "assistant", "content": None, "tool_calls": [
             {"id": "call_0123456789", "type": "function",
              "function": {"name": "f", "arguments": "{}"}}]}]}, 400, "length 9"),
    (AzureAIServer, "POST", "/models/chat/completions",
     {"api-key": KEY, "authorization": f"Bearer {KEY}"},
     {"messages": MSG}, 404, "api-version"),
    (AzureAIServer, "POST", "/models/chat/completions?api-version=2024-05-01-preview",
     {"api-key": KEY, "authorization": f"Bearer {KEY}"},
     {"messages": MSG, "safe_mode": True}, 422, "safe_mode"),
    (AzureOpenAIServer, "POST", "/openai/deployments/d/chat/completions?api-version=2024-10-21",
     {"authorization": f"Bearer {KEY}", "api-key": KEY}, {"messages": MSG}, 401, "api-key"),
    (BedrockServer, "POST", "/model/m/converse", {}, {"messages": []}, 403,
     "Missing Authentication Token"),
    (BedrockServer, "POST", "/model/m/converse",
     {"authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/bedrock/"
      "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
      "x-amz-date": "20250101T000000Z"}, {"messages": []}, 403, "signature"),
    (CloudflareServer, "POST", CF_PATH, {"authorization": f"Bearer {KEY}"},
     {"messages": [{"role": "user", "content": ["a"]}]}, 400, "content"),
    (CloudflareServer, "POST", CF_PATH, {"authorization": f"Bearer {KEY}"},
     {"messages": MSG, "stop": ["x"]}, 400, "unknown field 'stop'"),
    (CloudflareServer, "POST", "/client/v4/accounts/other/ai/run/@cf/m",
     {"authorization": f"Bearer {KEY}"}, {"messages": MSG}, 401, "Authentication"),
]


@pytest.mark.parametrize(("factory", "method", "path", "headers", "body", "status", "fragment"),
                         CASES, ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_refuses_malformed_requests(
    factory: Callable[[], WireServer], method: str, path: str, headers: dict[str, str],
    body: Any, status: int, fragment: str,
) -> None:
    with factory() as server:
        root = server.url.split("/", 3)[:3]
        response = httpx.request(method, "/".join(root) + path, json=body, headers=headers)
        assert response.status_code == status, response.text
        assert fragment in response.text
        assert server.requests[0].rejected
