"""react's `compaction`: trim and summarize as shipped (suites/agents/compaction.yml), the
compaction event (in the log and in Inspect's shape), and what trim keeps."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from evalrunner.events import CompactionEvent
from evalrunner.log._inspect_events import from_inspect, to_inspect
from evalrunner.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
from evalrunner.model._chat import ChatMessageTool, ToolCall
from evalrunner.solvers._compaction import CompactionConfig, compact
from evalrunner.viewer import BackgroundViewer
from tests.agent_runs import AGENTS, events_of, run_shipped
from tests.test_viewer_browser import browser, by_testid, wait

__all__ = ["browser"]


def test_react_compacts_a_growing_conversation_as_shipped(tmp_path: Path) -> None:
    logs = run_shipped(AGENTS / "compaction.yml", tmp_path)
    trimmed, summarized = logs["trim"].samples[0], logs["summarize"].samples[0]
    for sample in (trimmed, summarized):
        assert sample.scores["match"].value == "C"
        (event,) = events_of(sample, "compaction")
        assert event.tokens_before > 170 >= event.tokens_after
        assert event.messages_removed == 2 and event.span == sample.events[0].id
        (record,) = sample.compactions
        assert record.tokens_before == event.tokens_before
    main = [e.messages for e in events_of(trimmed, "model")]
    assert main == [2, 4, 4, 6]  # the third call is sent the trimmed conversation
    assert trimmed.messages[2].tool_calls[0].arguments["thought"].startswith("Step two")
    assert events_of(trimmed, "compaction")[0].strategy == "trim"
    summary = next(m for m in summarized.messages[2:] if m.role == "user")
    assert summary.text.endswith("19 + 23: 19 + 20 = 39, then 39 + 3 = 42.")
    (event,) = events_of(summarized, "compaction")
    assert event.strategy == "summarize" and event.summary.startswith("19 + 23")
    kinds = [(e.event, getattr(e, "model", None)) for e in summarized.events]
    at = kinds.index(("compaction", None))
    assert kinds[at - 1] == ("model", "mockllm/summarizer")  # the summary, then the event


def test_the_timeline_shows_a_compaction(browser: WebDriver, tmp_path: Path) -> None:
    run_shipped(f"{AGENTS / 'compaction.yml'}@summarize", tmp_path)
    (log_file,) = (tmp_path / "logs").glob("*_summarize_*.json")
    shutil.move(str(log_file), tmp_path / "summarize.json")
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url + "#/log/summarize.json")
        wait(browser, lambda d: by_testid(d, "sample-row"))
        by_testid(browser, "sample-row")[0].click()
        timeline = wait(browser, lambda d: by_testid(d, "timeline"))[0]
        timeline.find_element(By.TAG_NAME, "summary").click()
        (row,) = wait(browser, lambda d: by_testid(timeline, "event-compaction"))
        assert "summarize" in row.text and "2 messages removed" in row.text
        assert "19 + 23: 19 + 20 = 39" in row.text


def test_trim_keeps_the_task_and_never_an_orphaned_tool_result() -> None:
    call = ToolCall(id="c1", function="think", arguments={"thought": "x" * 400})
    messages = [ChatMessageSystem(content="s"), ChatMessageUser(content="task"),
                ChatMessageAssistant(content="", tool_calls=[call]),
                ChatMessageTool(content="r" * 400, tool_call_id="c1", function="think"),
                ChatMessageAssistant(content="", tool_calls=[call.model_copy()]),
                ChatMessageTool(content="r", tool_call_id="c1", function="think")]
    config = CompactionConfig(strategy="trim", max_tokens=50, keep=1)
    out, record = asyncio.run(compact(messages, config))
    assert [m.role for m in out] == ["system", "user", "assistant", "tool"]
    assert out[2] is messages[4] and record is not None and record.messages_removed == 2
    small, none = asyncio.run(compact(out[:2], config))
    assert small == out[:2] and none is None


def test_the_compaction_event_goes_to_inspect_and_back() -> None:
    event = CompactionEvent(t=1.5, strategy="drop_tool_results", tokens_before=900,
                            tokens_after=300, tool_results_dropped=3)
    (out,) = to_inspect([event.model_dump()], 0.0)
    assert out["event"] == "compaction" and out["type"] == "edit"
    assert (out["tokens_before"], out["tokens_after"]) == (900, 300)
    (back,) = from_inspect([out])
    assert back["strategy"] == "drop_tool_results" and back["tokens_after"] == 300
    assert from_inspect([{"event": "compaction", "type": "trim"}])[0]["strategy"] == "trim"
