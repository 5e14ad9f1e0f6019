"""computer: a desktop in a docker sandbox used with keys and the mouse, seen through
screenshots (suites/agents/computer.yml, as shipped)."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from evalrunner.model import ContentImage, ContentText
from evalrunner.solvers.builtin._entries import make_tools
from evalrunner.tools import ToolError
from evalrunner.tools._sources import resolve_tools
from tests.agent_runs import AGENTS, run_shipped
from tests.sandboxes import needs_image


def _screenshot(content: object) -> Image.Image:
    assert isinstance(content, list) and isinstance(content[-1], ContentImage)
    head, _, data = content[-1].image.partition(",")
    assert head == "data:image/png;base64"
    return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")


@needs_image("evalrunner-browser:bookworm")
def test_keys_and_mouse_reach_a_window_and_screenshots_show_it(tmp_path: Path) -> None:
    sample = run_shipped(AGENTS / "computer.yml", tmp_path)["desktop"].samples[0]
    assert sample.error is None and sample.scores["includes"].value == "C"
    results = [m for m in sample.messages if m.role == "tool"]
    assert [m.error for m in results] == [None] * len(results)
    first = _screenshot(results[0].content)
    assert first.size == (1024, 768)
    # xev's window (white, at 100,100 to 500,400) on the bare black screen
    assert first.getpixel((300, 250)) == (255, 255, 255)
    assert first.getpixel((900, 700)) == (0, 0, 0)
    for message in results[1:11] + results[12:13]:  # every action but cursor_position
        _screenshot(message.content)
    assert results[11].content == "X=640,Y=500"
    keys, buttons = results[13].text.split("\n")[:2]
    # what the window received: typed text, a chord and Return; then every button
    assert keys.split() == ["h", "i", "Control_L", "a", "Return"]
    assert buttons.split() == ["1", "3", "1", "1", "1", "1", "1", "2", "5", "5", "1"]


def test_the_computer_needs_a_sandbox() -> None:
    (source,) = make_tools("computer")
    (tool,) = asyncio.run(resolve_tools([source]))
    assert tool.info.name == "computer" and tool.parallel is False
    schema = tool.info.parameters
    assert schema["required"] == ["action"]
    assert "left_click_drag" in str(schema["properties"]["action"])
    with pytest.raises(ToolError, match="needs a docker sandbox"):
        asyncio.run(tool(action="screenshot"))


def test_a_tool_result_keeps_its_images_after_its_text() -> None:
    from evalrunner.model import ChatMessageAssistant, ToolCall
    from evalrunner.tools import tool
    from evalrunner.tools._tool import execute_tools

    pixel = ContentImage(image="data:image/png;base64,AAAA")

    @tool
    def look() -> object:
        async def execute(say: bool) -> object:
            """Look.

            Args:
                say: Whether to say something too.
            """
            return [ContentText(text="here"), pixel] if say else pixel

        return execute

    calls = [ToolCall(id=f"c{i}", function="look", arguments={"say": say})
             for i, say in enumerate([True, False])]
    said, silent = asyncio.run(execute_tools(
        ChatMessageAssistant(content="", tool_calls=calls), [look()]))
    assert said.content == [ContentText(text="here"), pixel] and said.text == "here"
    assert silent.content == [pixel]
