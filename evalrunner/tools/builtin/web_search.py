"""`web_search`: Google Programmable Search, with a model keeping only relevant results.

Needs `GOOGLE_CSE_ID` and `GOOGLE_CSE_API_KEY` (without them each call is a tool error).
Each search asks Google for 10 links, reads each page, and asks a model (the evaluated one
unless `model` names another or a role) for the part relevant to the query; pages it
calls irrelevant are dropped. It asks for more links (up to `max_provider_calls` times)
until `num_results` relevant pages are found.
"""

from __future__ import annotations

import asyncio
import html
import os
import re
from typing import Any

from ..._util.http import http_client
from ...model._get import model_ref
from ...model._model import Model
from .._decorator import tool
from .._subprocess import concurrency
from .._tool import ToolError

GOOGLE_URL = "https://www.googleapis.com/customsearch/v1"
PAGE_CHARS = 8000  # characters of a page shown to the relevance model
_RELEVANCE = """Here is the text of a web page:

<page>
{page}
</page>

Quote or summarise the parts of this page that are relevant to the search "{query}", in at
most a few paragraphs. If nothing in it is relevant, reply with the single word NONE."""


@tool
def web_search(
    num_results: int = 3,
    max_provider_calls: int = 3,
    max_connections: int = 10,
    model: str | None = None,
    timeout: float = 30,
) -> Any:
    """A tool that searches the web and returns up to `num_results` relevant excerpts."""
    reader = model_ref(model)  # a bad name or an unbound role fails when the tool is made

    async def execute(query: str) -> str:
        """Search the web for information. Returns the relevant parts of the pages found.

        Args:
            query: What to search for.
        """

        cse_id = os.environ.get("GOOGLE_CSE_ID")
        api_key = os.environ.get("GOOGLE_CSE_API_KEY")
        if not cse_id or not api_key:
            raise ToolError("web search is not set up: GOOGLE_CSE_ID and GOOGLE_CSE_API_KEY "
                            "are not set")
        endpoint = os.environ.get("GOOGLE_CSE_URL", GOOGLE_URL)

        found: list[str] = []
        async with http_client(timeout=timeout, follow_redirects=True) as client:
            for call in range(max_provider_calls):
                params = {"q": query, "cx": cse_id, "key": api_key, "start": 1 + 10 * call}
                links = await _links(client, endpoint, params, max_connections)
                if not links:
                    break
                pages = await asyncio.gather(
                    *(_page(client, link, max_connections) for _, link in links)
                )
                for (title, link), text in zip(links, pages, strict=True):
                    excerpt = await _relevant(text, query, reader()) if text else None
                    if excerpt:
                        found.append(f"[{title}]({link}):\n{excerpt}")
                    if len(found) >= num_results:
                        return "\n\n".join(found)
        return "\n\n".join(found) if found else "No relevant results were found."

    return execute


async def _links(client: Any, endpoint: str, params: dict[str, Any], limit: int
                 ) -> list[tuple[str, str]]:
    import httpx

    try:
        async with concurrency("web_search", limit):
            response = await client.get(endpoint, params=params)
    except httpx.HTTPError as ex:
        # Not the URL: it holds the API key.
        raise ToolError(f"the search failed: {type(ex).__name__}") from None
    if response.status_code != 200:
        raise ToolError(f"the search failed with HTTP {response.status_code}")
    items = response.json().get("items") or []
    return [(str(i.get("title", "")), str(i["link"])) for i in items if i.get("link")]


async def _page(client: Any, link: str, limit: int) -> str:
    import httpx

    try:
        async with concurrency("web_search", limit):
            response = await client.get(link)
    except httpx.HTTPError:
        return ""  # an unreachable page is just not a result
    return _text(response.text)[:PAGE_CHARS] if response.status_code == 200 else ""


def _text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page)).strip()


async def _relevant(text: str, query: str, model: Model) -> str | None:
    output = await model.generate(_RELEVANCE.format(page=text, query=query))
    answer = output.completion.strip()
    return None if not answer or answer.upper().strip(". ") == "NONE" else answer
