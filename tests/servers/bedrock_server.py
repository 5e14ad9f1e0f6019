"""A Bedrock Runtime server: POST /model/{modelId}/converse, SigV4-verified.

The signature is recomputed here from the secret key, independently of the client's
signer, and a request whose signature, scope or signed headers do not match is refused
with 403 as AWS refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any
from urllib.parse import quote

from ._wire_server import Answer, RecordedRequest, Reply, WireServer, only_keys, require

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/bedrock/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)
PATH = re.compile(r"^/model/([^/]+)/converse$")
ERRORS = {400: "ValidationException", 403: "AccessDeniedException",
          429: "ThrottlingException", 500: "InternalServerException",
          503: "ServiceUnavailableException"}
BODY_KEYS = {"messages", "system", "inferenceConfig", "toolConfig", "guardrailConfig",
             "additionalModelRequestFields", "additionalModelResponseFieldPaths",
             "promptVariables", "requestMetadata", "performanceConfig"}
FORMATS = {"png", "jpeg", "gif", "webp"}


class BedrockServer(WireServer):
    def __init__(self, region: str = "us-east-1", **options: Any) -> None:
        super().__init__(**options)
        self.region = region
        # Access key ids it knows, with their secrets (temporary ones are added by tests).
        self.keys = {ACCESS_KEY: SECRET_KEY}
        self.session_token: str | None = None

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        kind = kind or ERRORS.get(status, "InternalServerException")
        return Answer(status, {"message": message}, {"x-amzn-ErrorType": f"{kind}:http://internal"})

    def check(self, record: RecordedRequest) -> None:
        require(record.method == "POST", "method not allowed", 404)
        match = PATH.match(record.path)
        require(match is not None, f"Unknown operation {record.path}", 404, "UnknownOperation")
        self._check_signature(record)
        require(isinstance(record.body, dict), "Malformed input request", 400)
        check_body(record.body)

    def _check_signature(self, record: RecordedRequest) -> None:
        bearer = record.headers.get("authorization", "")
        if bearer.startswith("Bearer "):
            require(bearer == f"Bearer {self.options.api_key}", "Invalid API key", 403,
                    "AccessDeniedException")
            return
        match = AUTH.match(bearer)
        require(match is not None, "Missing Authentication Token", 403,
                "MissingAuthenticationToken")
        key, date, region, names, signature = match.groups()  # type: ignore[union-attr]
        require(key in self.keys, "The security token included in the request is invalid.",
                403, "UnrecognizedClientException")
        require(region == self.region, f"Credential should be scoped to {self.region}", 403,
                "InvalidSignatureException")
        amz_date = record.headers.get("x-amz-date", "")
        require(amz_date.startswith(date), "x-amz-date does not match the scope", 403,
                "InvalidSignatureException")
        signed = names.split(";")
        require({"host", "x-amz-date"} <= set(signed), "host and x-amz-date must be signed", 403,
                "InvalidSignatureException")
        if self.session_token is not None:
            require(record.headers.get("x-amz-security-token") == self.session_token
                    and "x-amz-security-token" in signed,
                    "The security token included in the request is invalid", 403,
                    "UnrecognizedClientException")
        expected = signature_of(record.method, record.raw_path, record.headers, record.raw,
                                signed, amz_date, region, "bedrock", self.keys[key])
        require(hmac.compare_digest(expected, signature),
                "The request signature we calculated does not match the signature you "
                "provided.", 403, "InvalidSignatureException")

    def default_reply(self, body: dict[str, Any]) -> Reply:
        for message in reversed(body["messages"]):
            if message["role"] == "user":
                return " ".join(b["text"] for b in message["content"] if "text" in b)
        return ""

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        spec: dict[str, Any] = (
            {"content": reply} if isinstance(reply, str)
            else {"tool_calls": reply} if isinstance(reply, list) else reply
        )
        content: list[dict[str, Any]] = []
        if spec.get("thinking"):
            content.append({"reasoningContent": {
                "reasoningText": {"text": spec["thinking"], "signature": "sig"}}})
        if spec.get("content"):
            content.append({"text": spec["content"]})
        for i, call in enumerate(spec.get("tool_calls") or []):
            content.append({"toolUse": {"toolUseId": f"tooluse_{self.counter}_{i}",
                                        "name": call["name"], "input": call["arguments"]}})
        stop = spec.get("stop") or ("tool_use" if spec.get("tool_calls") else "end_turn")
        return Answer(200, {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {"inputTokens": 12, "outputTokens": 6, "totalTokens": 18},
            "metrics": {"latencyMs": 5},
        })


def signature_of(
    method: str, raw_path: str, headers: dict[str, str], body: bytes, signed: list[str],
    amz_date: str, region: str, service: str, secret: str,
) -> str:
    """SigV4 of a request without a query string, from lower-cased headers."""
    # Every service but S3 signs the path as sent, percent-encoded once more.
    path = quote(raw_path, safe="/~")
    canonical_headers = "".join(f"{n}:{' '.join(headers.get(n, '').split())}\n" for n in signed)
    canonical = "\n".join([method, path, "", canonical_headers, ";".join(signed),
                           hashlib.sha256(body).hexdigest()])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n" + hashlib.sha256(
        canonical.encode()).hexdigest()
    key = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def check_body(body: dict[str, Any]) -> None:
    only_keys(body, BODY_KEYS, "ConverseRequest")
    for block in body.get("system") or []:
        only_keys(block, {"text", "guardContent", "cachePoint"}, "system[]")
    inference = body.get("inferenceConfig")
    if inference is not None:
        only_keys(inference, {"maxTokens", "temperature", "topP", "stopSequences"},
                  "inferenceConfig")
        for name in ("temperature", "topP"):
            if name in inference:
                require(0 <= inference[name] <= 1, f"inferenceConfig.{name}: must be in [0, 1]")
        require(inference.get("maxTokens", 1) >= 1, "inferenceConfig.maxTokens: at least 1")
    names = _check_tools(body.get("toolConfig"))
    _check_messages(body.get("messages"), names, body.get("toolConfig") is not None)


def _check_tools(config: Any) -> set[str]:
    if config is None:
        return set()
    only_keys(config, {"tools", "toolChoice"}, "toolConfig")
    names = set()
    for tool in config["tools"]:
        only_keys(tool, {"toolSpec"}, "toolConfig.tools[]")
        spec = tool["toolSpec"]
        only_keys(spec, {"name", "description", "inputSchema"}, "toolSpec")
        only_keys(spec["inputSchema"], {"json"}, "toolSpec.inputSchema")
        names.add(spec["name"])
    choice = config.get("toolChoice")
    if choice is not None:
        require(len(choice) == 1 and next(iter(choice)) in ("auto", "any", "tool"),
                "toolChoice: one of auto, any, tool")
        require("tool" not in choice or choice["tool"].get("name") in names,
                "toolChoice.tool.name: unknown tool")
    return names


def _check_messages(messages: Any, names: set[str], has_tools: bool) -> None:
    require(isinstance(messages, list) and messages, "messages: at least one")
    require(messages[0].get("role") == "user", "A conversation must start with a user message.")
    open_ids: set[str] = set()
    for i, message in enumerate(messages):
        only_keys(message, {"role", "content"}, f"messages[{i}]")
        role = message["role"]
        require(i == 0 or messages[i - 1]["role"] != role,
                "A conversation must alternate between user and assistant roles.")
        require(isinstance(message["content"], list) and message["content"],
                f"messages[{i}].content: at least one block")
        answered: set[str] = set()
        issued: set[str] = set()
        for block in message["content"]:
            require(isinstance(block, dict) and len(block) == 1, "content block: one member")
            kind, value = next(iter(block.items()))
            if kind == "text":
                require(isinstance(value, str) and value.strip() != "",
                        "text content blocks must be non-empty")
            elif kind == "image":
                require(role == "user" and value.get("format") in FORMATS, "image: bad format")
                base64.b64decode(value["source"]["bytes"], validate=True)
            elif kind == "reasoningContent":
                require(role == "assistant", "reasoningContent: assistant turns only")
                text = value.get("reasoningText")
                require(isinstance(text, dict) and isinstance(text.get("text"), str)
                        and text.get("signature"), "reasoningContent: text and signature")
            elif kind == "toolUse":
                require(role == "assistant" and has_tools and value.get("name") in names,
                        "toolUse: needs toolConfig and a known tool")
                only_keys(value, {"toolUseId", "name", "input"}, "toolUse")
                issued.add(value["toolUseId"])
            elif kind == "toolResult":
                require(role == "user" and value.get("toolUseId") in open_ids,
                        "toolResult: does not answer a toolUse of the previous turn")
                only_keys(value, {"toolUseId", "content", "status"}, "toolResult")
                for inner in value.get("content") or []:
                    kind = next(iter(inner)) if isinstance(inner, dict) and inner else None
                    require(kind in ("text", "json", "image"), "toolResult: content block")
                    require(kind != "image" or (inner["image"].get("format") in FORMATS and
                            bool(base64.b64decode(inner["image"]["source"]["bytes"],
                                                  validate=True))), "toolResult: bad image")
                require(value.get("status", "success") in ("success", "error"), "status")
                answered.add(value["toolUseId"])
            else:
                require(False, f"unknown content block {kind}")
        if role == "user":
            require(answered == open_ids, "every toolUse needs a toolResult in the next turn")
        open_ids = issued
