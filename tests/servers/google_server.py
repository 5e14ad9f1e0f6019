"""A Gemini API server: POST /v1beta/models/{model}:generateContent, checked strictly."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from ._wire_server import Answer, RecordedRequest, Reply, WireServer, only_keys, require

PATH = re.compile(r"^/v1beta/models/([^/:]+):generateContent$")
# Vertex AI: a project's regional endpoint (OAuth bearer token) or express mode (API key).
VERTEX_PATH = re.compile(
    r"^/v1/(?:projects/[^/]+/locations/[^/]+/)?publishers/google/models/([^/:]+):generateContent$"
)
BODY_KEYS = {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig",
             "safetySettings", "cachedContent"}
GENERATION_KEYS = {"temperature", "topP", "topK", "maxOutputTokens", "stopSequences",
                   "candidateCount", "seed", "presencePenalty", "frequencyPenalty",
                   "responseLogprobs", "logprobs", "thinkingConfig", "responseMimeType",
                   "responseSchema"}
SCHEMA_KEYS = {"type", "format", "description", "nullable", "enum", "properties", "required",
               "items", "minItems", "maxItems", "minimum", "maximum", "anyOf",
               "propertyOrdering", "title", "minLength", "maxLength", "pattern"}
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
          404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


class GoogleServer(WireServer):
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1beta"

    def error(self, status: int, message: str, kind: str = "") -> Answer:
        body: dict[str, Any] = {"code": status, "message": message,
                                "status": STATUS.get(status, "UNKNOWN")}
        if status == 429:
            body["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                "retryDelay": "0s"}]
        return Answer(status, {"error": body})

    def check(self, record: RecordedRequest) -> None:
        path = _model_path(record.path)
        require(record.method == "POST" and path is not None, f"not found: {record.path}", 404)
        if record.path.startswith("/v1/projects/"):
            require(record.headers.get("authorization") == f"Bearer {self.options.api_key}",
                    "Request had invalid authentication credentials.", 401)
        else:
            key = record.headers.get("x-goog-api-key") or record.query.get("key")
            require(key == self.options.api_key,
                    "API key not valid. Please pass a valid API key.", 400)
        require(isinstance(record.body, dict), "Invalid JSON payload received.")
        check_body(record.body)

    def default_reply(self, body: dict[str, Any]) -> Reply:
        for content in reversed(body["contents"]):
            if content["role"] == "user":
                return " ".join(p["text"] for p in content["parts"] if "text" in p)
        return ""

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        spec: dict[str, Any] = (
            {"content": reply} if isinstance(reply, str)
            else {"tool_calls": reply} if isinstance(reply, list) else reply
        )
        if spec.get("block_prompt"):
            return Answer(200, {"promptFeedback": {"blockReason": spec["block_prompt"]},
                                "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4}})
        parts: list[dict[str, Any]] = []
        if spec.get("thought"):
            parts.append({"text": spec["thought"], "thought": True})
        if spec.get("code"):  # Gemini ran code on its side, then says what came of it
            parts.append({"executableCode": {"language": "PYTHON", "code": spec["code"]}})
            parts.append({"codeExecutionResult": {"outcome": "OUTCOME_OK",
                                                  "output": spec.get("stdout", "")}})
        if spec.get("content"):
            parts.append({"text": spec["content"]})
        for i, call in enumerate(spec.get("tool_calls") or []):
            part = {"functionCall": {"name": call["name"], "args": call["arguments"]}}
            if spec.get("signature") and i == 0:  # Gemini signs the first call of a turn
                part["thoughtSignature"] = spec["signature"]
            parts.append(part)
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts},
                                     "finishReason": spec.get("finish", "STOP"), "index": 0}
        count = record.body.get("generationConfig", {}).get("candidateCount", 1)
        return Answer(200, {
            "candidates": [{**candidate, "index": i} for i in range(count)],
            "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 3,
                              "thoughtsTokenCount": 2 if spec.get("thought") else 0,
                              "totalTokenCount": 12 if spec.get("thought") else 10},
            "modelVersion": _model_name(record.path),
        })


def _model_path(path: str) -> re.Match[str] | None:
    return PATH.match(path) or VERTEX_PATH.match(path)


def _model_name(path: str) -> str:
    match = _model_path(path)
    return match.group(1) if match else ""


def check_body(body: dict[str, Any]) -> None:
    only_keys(body, BODY_KEYS, "GenerateContentRequest")
    names = _check_tools(body)
    system = body.get("systemInstruction")
    if system is not None:
        only_keys(system, {"parts", "role"}, "systemInstruction")
        _check_parts(system.get("parts"), "systemInstruction", names, "user")
    contents = body.get("contents")
    require(isinstance(contents, list) and contents, "contents is not specified")
    calls_open = 0
    for i, content in enumerate(contents):
        where = f"contents[{i}]"
        only_keys(content, {"role", "parts"}, where)
        role = content.get("role")
        require(role in ("user", "model"), f"{where}.role: Please use a valid role: user, model.")
        kinds = _check_parts(content.get("parts"), where, names, role)
        responses = kinds.count("functionResponse")
        if calls_open:
            require(responses == calls_open,
                    f"{where}: the number of function response parts must equal the number of "
                    "function call parts of the function call turn.")
        else:
            require(responses == 0, f"{where}: function response without a function call")
        calls_open = kinds.count("functionCall")
    gen = body.get("generationConfig")
    if gen is not None:
        _check_generation(gen)


def _check_parts(parts: Any, where: str, names: set[str], role: str) -> list[str]:
    require(isinstance(parts, list) and parts, f"{where}.parts: must not be empty")
    kinds = []
    for j, part in enumerate(parts):
        at = f"{where}.parts[{j}]"
        require(isinstance(part, dict) and len(set(part) - {"thought", "thoughtSignature"}) == 1,
                f"{at}: exactly one data field")
        kind = next(k for k in part if k not in ("thought", "thoughtSignature"))
        kinds.append(kind)
        value = part[kind]
        if kind == "text":
            require(isinstance(value, str), f"{at}.text: string")
        elif kind == "inlineData":
            only_keys(value, {"mimeType", "data"}, f"{at}.inlineData")
            require(str(value.get("mimeType")).startswith(("image/", "audio/", "video/")),
                    f"{at}: mimeType")
            try:
                base64.b64decode(value.get("data", ""), validate=True)
            except (binascii.Error, ValueError):
                require(False, f"{at}.inlineData.data: invalid base64")
        elif kind == "functionCall":
            require(role == "model", f"{at}: functionCall only in model turns")
            only_keys(value, {"name", "args", "id"}, f"{at}.functionCall")
            require(value.get("name") in names and isinstance(value.get("args", {}), dict),
                    f"{at}.functionCall: unknown function or bad args")
        elif kind == "functionResponse":
            require(role == "user", f"{at}: functionResponse only in user turns")
            only_keys(value, {"name", "response", "id"}, f"{at}.functionResponse")
            require(value.get("name") in names and isinstance(value.get("response"), dict),
                    f"{at}.functionResponse: unknown function or response is not an object")
        else:
            require(False, f"{at}: unknown part '{kind}'")
    return kinds


def _check_tools(body: dict[str, Any]) -> set[str]:
    tools = body.get("tools")
    if tools is None:
        require("toolConfig" not in body, "toolConfig without tools")
        return set()
    names: set[str] = set()
    for tool in tools:
        if "codeExecution" in tool:  # Gemini's own code execution takes no options
            require(tool == {"codeExecution": {}}, "tools[].codeExecution: expected {}")
            continue
        only_keys(tool, {"functionDeclarations"}, "tools[]")
        for fn in tool["functionDeclarations"]:
            only_keys(fn, {"name", "description", "parameters"}, "functionDeclarations[]")
            require(re.match(r"^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$", fn.get("name", "")) is not None,
                    "functionDeclarations[].name: invalid")
            if "parameters" in fn:
                _check_schema(fn["parameters"], f"{fn['name']}.parameters")
            names.add(fn["name"])
    config = body.get("toolConfig")
    if config is not None:
        only_keys(config, {"functionCallingConfig"}, "toolConfig")
        fcc = config["functionCallingConfig"]
        only_keys(fcc, {"mode", "allowedFunctionNames"}, "functionCallingConfig")
        require(fcc.get("mode") in ("AUTO", "ANY", "NONE", "VALIDATED"), "mode: invalid")
        allowed = fcc.get("allowedFunctionNames")
        require(allowed is None or (fcc["mode"] == "ANY" and set(allowed) <= names),
                "allowedFunctionNames needs mode ANY and known functions")
    return names


def _check_schema(schema: Any, where: str) -> None:
    only_keys(schema, SCHEMA_KEYS, where)
    require(isinstance(schema.get("type", "string"), str), f"{where}.type: a single type")
    for name, sub in (schema.get("properties") or {}).items():
        _check_schema(sub, f"{where}.{name}")
    if "items" in schema:
        _check_schema(schema["items"], f"{where}.items")


def _check_generation(gen: dict[str, Any]) -> None:
    only_keys(gen, GENERATION_KEYS, "generationConfig")
    if "responseSchema" in gen:
        require(gen.get("responseMimeType") == "application/json",
                "responseSchema needs responseMimeType application/json")
        _check_schema(gen["responseSchema"], "responseSchema")
    for name, low, high in (("temperature", 0, 2), ("topP", 0, 1), ("presencePenalty", -2, 2),
                            ("frequencyPenalty", -2, 2)):
        if name in gen:
            require(isinstance(gen[name], int | float) and low <= gen[name] <= high,
                    f"generationConfig.{name}: out of range")
    for name in ("topK", "maxOutputTokens", "candidateCount", "seed", "logprobs"):
        if name in gen:
            require(isinstance(gen[name], int) and not isinstance(gen[name], bool),
                    f"generationConfig.{name}: integer")
    stops = gen.get("stopSequences")
    require(stops is None or (isinstance(stops, list) and len(stops) <= 5),
            "stopSequences: at most 5")
    thinking = gen.get("thinkingConfig")
    if thinking is not None:
        only_keys(thinking, {"thinkingBudget", "includeThoughts", "thinkingLevel"},
                  "thinkingConfig")
