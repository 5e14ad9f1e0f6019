"""web_browser: headless Chromium in a docker sandbox reads pages served inside it
(suites/agents/web_browser.yml, as shipped)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from evalrunner.solvers.builtin._entries import make_tools
from evalrunner.tools import ToolError
from evalrunner.tools._sources import resolve_tools
from tests.agent_runs import AGENTS, run_shipped
from tests.sandboxes import needs_image


@needs_image("evalrunner-browser:bookworm")
def test_the_browser_reads_clicks_types_and_scrolls_a_page_served_inside(tmp_path: Path
                                                                         ) -> None:
    sample = run_shipped(AGENTS / "web_browser.yml", tmp_path)["browse"].samples[0]
    assert sample.error is None
    go, click, back, search, scroll, submit = [m.text for m in sample.messages
                                               if m.role == "tool"]
    assert go.splitlines()[:2] == ["Title: Home", "URL: http://127.0.0.1:8000/index.html"]
    assert '[1] link "about us" -> about.html' in go
    assert '[2] input (text) "Search words"' in go and '[3] button "Search"' in go
    assert "The secret word is marmalade." in click and "Title: About" in click
    assert back.splitlines()[0] == "Title: Home"
    assert "You searched for: owls" in search  # the result page's own script ran
    assert "End of results." not in search and "pixels below: scroll down" in search
    assert "End of results." in scroll and "pixels above: scroll up" in scroll
    assert submit == "marmalade" and sample.scores["includes"].value == "C"
    calls = [e for e in sample.events if e.event == "model"]
    assert {"web_browser_go", "web_browser_type_submit", "web_browser_scroll"} <= set(
        calls[0].tools)


def test_the_browser_needs_a_sandbox() -> None:
    (source,) = make_tools("web_browser")
    tools = asyncio.run(resolve_tools([source]))
    assert [t.info.name for t in tools] == [
        "web_browser_go", "web_browser_click", "web_browser_type", "web_browser_type_submit",
        "web_browser_scroll", "web_browser_back", "web_browser_forward", "web_browser_refresh"]
    assert all(t.parallel is False for t in tools)  # one browser: calls take turns
    assert tools[0].info.parameters["required"] == ["url"]
    with pytest.raises(ToolError, match="needs a docker sandbox"):
        asyncio.run(tools[0](url="http://127.0.0.1/"))
