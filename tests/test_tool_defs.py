"""ToolDef and tool_with, @tool(parallel=False) and tool call viewers (the viewer in Chromium)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from evalrunner import ToolCallContent, ToolCallView, ToolDef, tool, tool_with
from evalrunner.log import EvalLog
from evalrunner.model._chat import ChatMessageAssistant, ToolCall
from evalrunner.tools import execute_tools
from evalrunner.viewer import BackgroundViewer
from tests.agent_runs import AGENTS, run_shipped
from tests.test_viewer_browser import browser, by_testid, wait

__all__ = ["browser"]


@tool
def add() -> Any:
    async def execute(x: int, y: int = 1) -> int:
        """Add two numbers.

        Args:
            x: The first number.
            y: The second number.
        """
        return x + y

    return execute


def _turn(*calls: tuple[str, dict[str, Any]]) -> ChatMessageAssistant:
    return ChatMessageAssistant(content="", tool_calls=[
        ToolCall(id=f"c{i}", function=f, arguments=a) for i, (f, a) in enumerate(calls)])


def test_tool_with_renames_and_redescribes_and_leaves_the_original() -> None:
    original = add()
    made = tool_with(original, name="plus", description="Sum.",
                     parameters={"x": {"name": "first", "description": "One."}, "y": "Two."})
    assert made.info.name == "plus" and made.info.description == "Sum."
    props = made.info.parameters["properties"]
    assert list(props) == ["first", "y"] and props["first"]["description"] == "One."
    assert props["y"] == {"type": "integer", "default": 1, "description": "Two."}
    assert made.info.parameters["required"] == ["first"]
    assert original.info.name == "add"
    assert list(original.info.parameters["properties"]) == ["x", "y"]
    (result,) = asyncio.run(execute_tools(_turn(("plus", {"first": 2, "y": 3})), [made]))
    assert result.text == "5" and result.error is None
    (wrong,) = asyncio.run(execute_tools(_turn(("plus", {"x": 2})), [made]))
    assert wrong.error is not None and "first" in wrong.error  # the model sees the new name
    with pytest.raises(ValueError, match=r"no parameter 'z'.*x, y"):
        tool_with(original, parameters={"z": "?"})


def test_tool_def_describes_a_plain_function() -> None:
    async def shout(text: str) -> str:
        """Say it loudly.

        Args:
            text: What to say.
        """
        return text.upper()

    made = ToolDef(shout, parameters={"text": "The words."}).as_tool()
    assert made.info.name == "shout" and made.info.description == "Say it loudly."
    assert made.info.parameters["properties"]["text"]["description"] == "The words."
    (result,) = asyncio.run(execute_tools(_turn(("shout", {"text": "hi"})), [made]))
    assert result.text == "HI"


def _tracing(parallel: bool) -> Any:
    trace: list[str] = []

    @tool(name=f"slow_{parallel}", parallel=parallel)
    def slow() -> Any:
        async def execute(n: int) -> str:
            """Wait a little.

            Args:
                n: Which call.
            """
            trace.append(f"start {n}")
            for _ in range(3):
                await asyncio.sleep(0)
            trace.append(f"end {n}")
            return str(n)

        return execute

    return slow(), trace


def test_parallel_false_runs_a_tools_calls_in_order_one_at_a_time() -> None:
    one_by_one, trace = _tracing(parallel=False)
    calls = [(one_by_one.info.name, {"n": n}) for n in (1, 2, 3)]
    results = asyncio.run(execute_tools(_turn(*calls), [one_by_one]))
    assert [r.text for r in results] == ["1", "2", "3"]
    assert trace == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]
    together, trace = _tracing(parallel=True)
    asyncio.run(execute_tools(_turn(*[(together.info.name, {"n": n}) for n in (1, 2)]),
                              [together]))
    assert trace[:2] == ["start 1", "start 2"]  # the default: concurrently
    assert tool_with(together, parallel=False).parallel is False


def test_a_failing_viewer_loses_only_the_view() -> None:
    def broken(call: ToolCall) -> ToolCallView:
        raise RuntimeError("boom")

    made = tool_with(add(), viewer=broken)
    (result,) = asyncio.run(execute_tools(_turn(("add", {"x": 1})), [made]))
    assert result.text == "2"
    view = ToolCallView(call=ToolCallContent(content="x"))
    assert tool_with(add(), viewer=lambda call: view).viewer(None) is view  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvalLog, Path]:
    folder = tmp_path_factory.mktemp("tool_defs")
    log = run_shipped(AGENTS / "tool_defs.yml", folder)["ledger"]
    (log_file,) = (folder / "logs").glob("*.json")
    shutil.move(str(log_file), folder / "defs.json")
    return log, folder


def test_the_tool_defs_suite_as_shipped(shipped: tuple[EvalLog, Path]) -> None:
    sample = shipped[0].samples[0]
    assert sample.store["trace"] == ["start 5", "end 5", "start 7", "end 7"]
    assert sample.store["balance"] == 12 and sample.scores["includes"].value == "C"
    tools = [e for e in sample.events if e.event == "tool"]
    assert [(t.function, t.result.strip()) for t in tools] == [
        ("ledger", "5"), ("ledger", "12"), ("calculator", "12")]
    assert tools[0].view["call"]["format"] == "markdown"
    assert tools[0].view["call"]["content"].startswith("**Add 5**")
    assert tools[2].arguments == {"expression": "print(5 + 7)"} and tools[2].view is None
    (first_model, *_) = [e for e in sample.events if e.event == "model"]
    assert set(first_model.tools) == {"ledger", "calculator"}


def test_the_viewer_shows_a_call_as_its_tool_views_it(
        browser: WebDriver, shipped: tuple[EvalLog, Path]) -> None:
    with BackgroundViewer(shipped[1]) as viewer:
        browser.get(viewer.url + "#/log/defs.json")
        wait(browser, lambda d: by_testid(d, "sample-row"))
        by_testid(browser, "sample-row")[0].click()
        transcript = wait(browser, lambda d: by_testid(d, "transcript"))[0]
        views = wait(browser, lambda d: by_testid(transcript, "tool-view-call"))
        assert len(views) == 2 and views[0].get_attribute("data-format") == "markdown"
        bold = views[0].find_element("css selector", "b")
        assert bold.text == "Add 5"  # Markdown rendered, not shown as asterisks
        items = by_testid(views[1], "view-item")
        assert [i.text for i in items] == ["☑ checked", "☐ booked"]
        calls = by_testid(transcript, "tool-call")
        assert '"expression"' in calls[-1].text  # no viewer: the arguments as JSON
        assert "**" not in transcript.text
