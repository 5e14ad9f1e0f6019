"""`web_search`: search the web with Google, Tavily or Exa, or the model's own search.

`providers` names the services, in order of preference, as a name, a list, or a mapping
of names to their options: `google` (the default), `tavily` and `exa` are called over
HTTP by the tool; `openai` and `anthropic` are the providers' own search tools, run by
their APIs: a model of that provider gets the native tool instead of the function, and
any other model the first of the HTTP services.

Google needs `GOOGLE_CSE_ID` and `GOOGLE_CSE_API_KEY` (without them each call is a tool
error). Each search asks Google for 10 links, reads each page, and asks a model (the
evaluated one unless `model` names another or a role) for the part relevant to the query;
pages it calls irrelevant are dropped. It asks for more links (up to `max_provider_calls`
times) until `num_results` relevant pages are found. Tavily and Exa return the relevant
text themselves (see _search_providers).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
from typing import Any, Literal

from ..._util.http import http_client
from ...model._get import get_model
from .._decorator import tool
from .._subprocess import concurrency
from .._tool import ToolError
from ._search_providers import exa_search, format_results, tavily_search

EXTERNAL = ("google", "tavily", "exa")
NATIVE = ("openai", "anthropic")

GOOGLE_URL = "https://www.googleapis.com/customsearch/v1"
PAGE_CHARS = 8000  # characters of a page shown to the relevance model
_RELEVANCE = """Here is the text of a web page:

<page>
{page}
</page>

Quote or summarise the parts of this page that are relevant to the search "{query}", in at
most a few paragraphs. If nothing in it is relevant, reply with the single word NONE."""


ProviderName = Literal["google", "tavily", "exa", "openai", "anthropic"]
ProviderOptions = dict[str, Any] | None
Providers = (
    ProviderName | list[ProviderName | dict[ProviderName, ProviderOptions]]
    | dict[ProviderName, ProviderOptions] | None
)


@tool
def web_search(
    providers: Providers = None,
    num_results: int = 3,
    max_provider_calls: int = 3,
    max_connections: int = 10,
    model: str | None = None,
    timeout: float = 30,
) -> Any:
    """A tool that searches the web and returns up to `num_results` relevant excerpts."""
    chosen = _providers(providers)
    external = next((name for name in chosen if name in EXTERNAL), None)

    async def execute(query: str) -> str:
        """Search the web for information. Returns the relevant parts of the pages found.

        Args:
            query: What to search for.
        """
        if external is None:
            raise ToolError(f"no web search service for this model: {', '.join(chosen)} "
                            "search only with their own models; add google, tavily or exa")
        options = chosen[external]
        if external == "tavily":
            return format_results(await tavily_search(
                query, num_results, options, timeout, max_connections))
        if external == "exa":
            return format_results(await exa_search(
                query, num_results, options, timeout, max_connections))
        return await _google(query, num_results, max_provider_calls, max_connections, model,
                             timeout)

    execute.native = {name: opts for name, opts in chosen.items()  # type: ignore[attr-defined]
                      if name in NATIVE} or None
    return execute


def _providers(value: Providers) -> dict[str, dict[str, Any]]:
    """`providers` as an ordered mapping of known names to their options."""
    if value is None:
        return {"google": {}}
    items: list[tuple[str, Any]]
    if isinstance(value, str):
        items = [(value, {})]
    elif isinstance(value, dict):
        items = list(value.items())
    else:
        items = []
        for entry in value:
            if isinstance(entry, dict):
                items.extend(entry.items())
            else:
                items.append((str(entry), {}))
    out: dict[str, dict[str, Any]] = {}
    for name, options in items:
        if name not in (*EXTERNAL, *NATIVE):
            raise ValueError(f"unknown web_search provider '{name}' "
                             f"(known: {', '.join((*EXTERNAL, *NATIVE))})")
        if options is not None and options is not True and not isinstance(options, dict):
            raise ValueError(f"web_search provider '{name}': options must be a mapping")
        out[name] = dict(options) if isinstance(options, dict) else {}
    if not out:
        raise ValueError("web_search needs at least one provider")
    return out


async def _google(query: str, num_results: int, max_provider_calls: int,
                  max_connections: int, model: str | None, timeout: float) -> str:
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
                excerpt = await _relevant(text, query, model) if text else None
                if excerpt:
                    found.append(f"[{title}]({link}):\n{excerpt}")
                if len(found) >= num_results:
                    return "\n\n".join(found)
    return "\n\n".join(found) if found else "No relevant results were found."


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


async def _relevant(text: str, query: str, model: str | None) -> str | None:
    output = await get_model(model).generate(_RELEVANCE.format(page=text, query=query))
    answer = output.completion.strip()
    return None if not answer or answer.upper().strip(". ") == "NONE" else answer
