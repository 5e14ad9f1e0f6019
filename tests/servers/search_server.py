"""Tavily and Exa search APIs, checking requests as the services do.

    with TavilyServer() as tavily:
        os.environ["TAVILY_BASE_URL"] = tavily.url
        tavily.options.responder = lambda body: [{"title": ..., "url": ..., "content": ...}]

A reply is the list of results (each a dict in the service's result shape).
"""

from __future__ import annotations

from typing import Any

from ._wire_server import Answer, RecordedRequest, Reply, WireServer, only_keys, require

TAVILY_KEYS = {"query", "max_results", "search_depth", "topic", "include_answer",
               "include_raw_content", "include_images", "include_domains", "exclude_domains",
               "time_range", "days", "chunks_per_source", "country"}
EXA_KEYS = {"query", "numResults", "type", "contents", "includeDomains", "excludeDomains",
            "startPublishedDate", "endPublishedDate", "category", "useAutoprompt"}


class TavilyServer(WireServer):
    def error(self, status: int, message: str, kind: str = "") -> Answer:
        return Answer(status, {"detail": {"error": message}})

    def check(self, record: RecordedRequest) -> None:
        require(record.headers.get("authorization") == f"Bearer {self.options.api_key}",
                "Unauthorized: missing or invalid API key.", 401)
        require(record.method == "POST" and record.path == "/search", "Not Found", 404)
        body = record.body
        require(isinstance(body, dict), "the body is not valid JSON")
        only_keys(body, TAVILY_KEYS, "body")
        require(isinstance(body.get("query"), str) and body["query"] != "", "query is required")
        results = body.get("max_results", 5)
        require(isinstance(results, int) and 0 <= results <= 20,
                "max_results must be between 0 and 20")
        require(body.get("search_depth", "basic") in ("basic", "advanced"),
                "search_depth must be basic or advanced")

    def default_reply(self, body: dict[str, Any]) -> Reply:
        return []

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        body = record.body
        results = list(reply)[: body.get("max_results", 5)]
        out: dict[str, Any] = {"query": body["query"], "results": results,
                               "response_time": 0.01, "images": []}
        if body.get("include_answer"):
            out["answer"] = f"An answer about {body['query']}."
        return Answer(200, out)


class ExaServer(WireServer):
    def check(self, record: RecordedRequest) -> None:
        require(record.headers.get("x-api-key") == self.options.api_key, "Invalid API key", 401)
        require(record.method == "POST" and record.path == "/search", "Not Found", 404)
        body = record.body
        require(isinstance(body, dict), "the body is not valid JSON")
        only_keys(body, EXA_KEYS, "body")
        require(isinstance(body.get("query"), str) and body["query"] != "", "query is required")
        count = body.get("numResults", 10)
        require(isinstance(count, int) and 1 <= count <= 100, "numResults must be 1 to 100")
        require(body.get("type", "auto") in ("auto", "neural", "keyword", "fast"),
                "type: invalid")
        contents = body.get("contents")
        if contents is not None:
            only_keys(contents, {"text", "highlights", "summary", "livecrawl"}, "contents")

    def default_reply(self, body: dict[str, Any]) -> Reply:
        return []

    def reply(self, record: RecordedRequest, reply: Reply) -> Answer:
        body = record.body
        results = list(reply)[: body.get("numResults", 10)]
        with_text = bool((body.get("contents") or {}).get("text"))
        for result in results:
            if not with_text:
                result.pop("text", None)
        return Answer(200, {"requestId": "req-1", "resolvedSearchType": "neural",
                            "results": results})
