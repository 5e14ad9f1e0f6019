"""The search services behind `web_search`: Tavily and Exa over HTTP.

Each takes a query and returns up to `num_results` (title, url, text) results, or raises
ToolError (the model sees it). Keys come from TAVILY_API_KEY and EXA_API_KEY; the base
URLs from TAVILY_BASE_URL and EXA_BASE_URL (for proxies and tests). No key or URL is
ever put in an error message.
"""

from __future__ import annotations

import os
from typing import Any

from ..._util.http import http_client
from .._subprocess import concurrency
from .._tool import ToolError

TAVILY_URL = "https://api.tavily.com"
EXA_URL = "https://api.exa.ai"
TEXT_CHARS = 3000  # characters of each result's text shown to the model

Result = tuple[str, str, str]


async def tavily_search(query: str, num_results: int, options: dict[str, Any],
                        timeout: float, max_connections: int) -> list[Result]:
    """Tavily's `/search`: results with the page content relevant to the query."""
    key = _key("TAVILY_API_KEY", "tavily")
    body = {"query": query, "max_results": num_results, **options}
    data = await _post("tavily", os.environ.get("TAVILY_BASE_URL", TAVILY_URL) + "/search",
                       {"Authorization": f"Bearer {key}"}, body, timeout, max_connections)
    results = [(str(r.get("title") or ""), str(r.get("url") or ""),
                str(r.get("content") or "")) for r in data.get("results") or []]
    answer = data.get("answer")
    if isinstance(answer, str) and answer:
        results.insert(0, ("Answer", "", answer))
    return results[: num_results + (1 if answer else 0)]


async def exa_search(query: str, num_results: int, options: dict[str, Any],
                     timeout: float, max_connections: int) -> list[Result]:
    """Exa's `/search` with page text."""
    key = _key("EXA_API_KEY", "exa")
    body = {"query": query, "numResults": num_results,
            "contents": {"text": {"maxCharacters": TEXT_CHARS}}, **options}
    data = await _post("exa", os.environ.get("EXA_BASE_URL", EXA_URL) + "/search",
                       {"x-api-key": key}, body, timeout, max_connections)
    return [(str(r.get("title") or ""), str(r.get("url") or ""), str(r.get("text") or ""))
            for r in data.get("results") or []][:num_results]


def _key(variable: str, service: str) -> str:
    key = os.environ.get(variable)
    if not key:
        raise ToolError(f"web search with {service} is not set up: {variable} is not set")
    return key


async def _post(service: str, url: str, headers: dict[str, str], body: dict[str, Any],
                timeout: float, max_connections: int) -> dict[str, Any]:
    import httpx

    try:
        async with concurrency("web_search", max_connections), \
                http_client(timeout=timeout) as client:
            response = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as ex:
        raise ToolError(f"the {service} search failed: {type(ex).__name__}") from None
    if response.status_code != 200:
        raise ToolError(f"the {service} search failed with HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise ToolError(f"the {service} search returned a reply that is not JSON") from None
    return data if isinstance(data, dict) else {}


def format_results(results: list[Result]) -> str:
    """Results as the model reads them: `[title](url):` then the text."""
    if not results:
        return "No relevant results were found."
    return "\n\n".join(f"[{title}]({url}):\n{text.strip()[:TEXT_CHARS]}" if url
                       else f"{title}: {text.strip()}" for title, url, text in results)
