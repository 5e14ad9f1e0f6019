"""`web_browser`: a headless Chromium inside the sample's docker sandbox, driven through
chromedriver by a small controller (`_browser_ctl.py`, copied in on first use).

`use_tools: [web_browser]` gives the model eight tools: go, click, type, type_submit,
scroll, back, forward and refresh (each `web_browser_...`). Each returns the page as the
model reads it: title, address, the text within the window, and every link, button and
field numbered (`[3] link "About"`) for click and type. The browser, its cookies and its
history last for the sample. The image needs `chromium`, `chromium-driver` and `python3`
(`.ci/sandboxes.sh` builds `evalrunner-browser:bookworm` so); the sandbox's network is its
own (`network: none` reaches only pages served inside).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any, Literal

from ...registry._decorators import registering_decorator
from .._tool import ToolError
from .._tool_def import ToolDef

CONTROLLER = "/tmp/.evalrunner-browser/browser_ctl.py"


class WebBrowser:
    """A tool source: the browser's tools, all driving the same browser of the sample."""

    label = "web_browser"

    def __init__(self, timeout: float, max_output: int, sandbox: str | None) -> None:
        self.timeout, self.max_output, self.sandbox = timeout, max_output, sandbox
        self._installed: weakref.WeakSet[Any] = weakref.WeakSet()  # sandboxes with the controller

    async def tools(self) -> list[Any]:
        run = self._run

        async def go(url: str) -> str:
            """Open a web page in the browser and show it.

            Args:
                url: The page's address (http:// or https://).
            """
            return await run("go", url=url)

        async def click(element_id: int) -> str:
            """Click a link, button or other element of the page and show the page after.

            Args:
                element_id: The element's number, as the page shows it ([3]).
            """
            return await run("click", element_id=element_id)

        async def type_(element_id: int, text: str) -> str:
            """Type text into a field of the page (replacing what it holds); show the page.

            Args:
                element_id: The field's number, as the page shows it ([3]).
                text: The text to type.
            """
            return await run("type", element_id=element_id, text=text)

        async def type_submit(element_id: int, text: str) -> str:
            """Type text into a field (replacing what it holds), press Enter; show the page.

            Args:
                element_id: The field's number, as the page shows it ([3]).
                text: The text to type.
            """
            return await run("type", element_id=element_id, text=text, submit=True)

        async def scroll(direction: Literal["up", "down"]) -> str:
            """Scroll the page by most of a window and show what is in view then.

            Args:
                direction: up or down.
            """
            return await run("scroll", direction=direction)

        async def back() -> str:
            """Go back to the previous page and show it."""
            return await run("back")

        async def forward() -> str:
            """Go forward to the next page and show it."""
            return await run("forward")

        async def refresh() -> str:
            """Reload the page and show it."""
            return await run("refresh")

        # One browser: its calls take turns (parallel=False), in the model's order.
        named: dict[str, Callable[..., Awaitable[str]]] = {
            "go": go, "click": click, "type": type_, "type_submit": type_submit,
            "scroll": scroll, "back": back, "forward": forward, "refresh": refresh}
        return [ToolDef(fn, name=f"web_browser_{name}", parallel=False).as_tool()
                for name, fn in named.items()]

    async def _run(self, command: str, **args: Any) -> str:
        from ...sandbox import current_sandboxes
        from ...sandbox import sandbox as sandbox_of

        if current_sandboxes() is None:
            raise ToolError("web_browser needs a docker sandbox with chromium (add `sandbox:`)")
        box = sandbox_of(self.sandbox)
        if box not in self._installed:
            await box.write_file(CONTROLLER, _controller())
            self._installed.add(box)
        result = await box.exec(["python3", CONTROLLER, command, json.dumps(args)],
                                timeout=self.timeout, output_limit=self.max_output)
        if not result.success:
            raise ToolError(result.stderr.strip()[-2000:] or f"exit code {result.returncode}")
        return result.stdout.rstrip()


def _controller() -> str:
    return resources.files(__package__).joinpath("_browser_ctl.py").read_text("utf-8")


def web_browser(timeout: float = 120, max_output: int = 16384, sandbox: str | None = None
                ) -> Any:
    """A headless browser in the sample's docker sandbox: its eight tools."""
    return WebBrowser(timeout, max_output, sandbox)


registering_decorator("tool", web_browser, "web_browser")
