"""The sample timeline in headless Chromium: events of a real agent run, folded by span."""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from evalrunner.viewer import BackgroundViewer
from tests.agent_runs import AGENTS, run_shipped
from tests.test_viewer_browser import browser, by_testid, shot, wait

__all__ = ["browser"]


def test_timeline_folds_by_step_and_sub_agent(browser: WebDriver, tmp_path: Path) -> None:
    run_shipped(AGENTS / "as_tool.yml", tmp_path)
    (log_file,) = (tmp_path / "logs").glob("*.json")
    shutil.move(str(log_file), tmp_path / "agent.json")
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url + "#/log/agent.json")
        wait(browser, lambda d: by_testid(d, "sample-row"))
        by_testid(browser, "sample-row")[0].click()
        timeline = wait(browser, lambda d: by_testid(d, "timeline"))[0]
        assert "Timeline (" in timeline.text  # folded until asked
        assert not by_testid(timeline, "event-model")[0].is_displayed()
        timeline.find_element(By.TAG_NAME, "summary").click()
        (step,) = by_testid(timeline, "span-step")
        assert step.get_attribute("data-span") == "react"
        (agent,) = by_testid(step, "span-agent")  # the sub-agent nests inside the step
        assert agent.get_attribute("data-span") == "calculator"
        inner = by_testid(agent, "event-model")
        assert len(inner) == 1 and "mockllm/helper" in inner[0].text
        outer = [e for e in by_testid(step, "event-model") if e not in inner]
        assert len(outer) == 2 and all("mockllm/model" in e.text for e in outer)
        tools = by_testid(step, "event-tool")
        assert any('calculator({"input":"What is 2 + 3?"})' in t.text for t in tools)
        assert "2 + 3 = 5" in tools[0].text
        scorers = by_testid(timeline, "span-scorers")[0]
        assert scorers.get_attribute("open") is None  # the scorers' span starts folded
        shot(browser, "5-timeline")
        agent.find_element(By.TAG_NAME, "summary").click()  # fold the sub-agent
        wait(browser, lambda d: not inner[0].is_displayed())
        assert outer[0].is_displayed()
        step.find_element(By.TAG_NAME, "summary").click()  # fold the whole step
        wait(browser, lambda d: not outer[0].is_displayed())
