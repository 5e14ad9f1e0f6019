"""The viewer in a real headless Chromium (Debian's, driven by Selenium with its driver).

Each view is saved as a screenshot under test-artifacts/viewer/.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from evalrunner.viewer import BackgroundViewer, export_viewer
from tests.conftest import ROOT
from tests.viewer_logs import sample, start_log, write_log

ARTIFACTS = ROOT / "test-artifacts" / "viewer"


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise RuntimeError(f"none of {names} is installed: .ci/run installs chromium and its driver")


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = _binary("chromium", "chromium-browser")
    profile = tempfile.mkdtemp(prefix="evr-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", f"--user-data-dir={profile}", "--no-first-run"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(_binary("chromedriver")), options=options)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: WebDriver, check: Callable[[WebDriver], Any], timeout: float = 20) -> Any:
    # The page redraws as data arrives: an element found a moment ago may be gone.
    return WebDriverWait(
        driver, timeout, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException]
    ).until(check)


def by_testid(driver: WebDriver | WebElement, name: str) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')


def text_of(driver: WebDriver, name: str) -> str:
    found = by_testid(driver, name)
    return found[0].text if found else ""


def shot(driver: WebDriver, name: str) -> None:
    """A screenshot of the whole page (the window grows to the page's height)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, max(1000, min(int(height) + 40, 5000)))
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    driver.set_window_size(1400, 1000)


def pager_is(text: str) -> Callable[[WebDriver], bool]:
    """The pager reads `text`, written with a hyphen for the page's en dash."""
    wanted = text.replace("-", "\u2013")
    return lambda d: text_of(d, "pager-text") == wanted


def test_list_task_incorrect_samples_and_transcript(browser: WebDriver, tmp_path: Path) -> None:
    write_log(tmp_path / "arith.json", 300)
    write_log(tmp_path / "b" / "other.json", 4, task="other")
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url)
        rows = wait(browser, lambda d: len(by_testid(d, "log-row")) == 2)
        rows = by_testid(browser, "log-row")
        first = rows[0].text
        assert "arithmetic" in first and "openai/gpt-4o-mini" in first and "success" in first
        assert "accuracy 0.798" in first and "300 / 300" in first and "(3 errors)" in first
        shot(browser, "1-log-list")

        by_testid(rows[0], "log-link")[0].click()
        wait(browser, pager_is("1-50 of 300"))
        metrics = by_testid(browser, "metrics")
        assert len(metrics) == 2 and "0.798" in metrics[0].text and "match" in metrics[0].text
        ids = [r.find_element(By.TAG_NAME, "a").text for r in by_testid(browser, "sample-row")]
        assert ids == [str(i) for i in range(1, 51)]
        shot(browser, "2-task")

        wait(browser, lambda d: len(Select(by_testid(d, "score-filter")[0]).options) > 1)
        Select(by_testid(browser, "score-filter")[0]).select_by_visible_text("match: I (60)")
        wait(browser, pager_is("1-50 of 60 (filtered from 300)"))
        rows = by_testid(browser, "sample-row")
        assert [r.find_element(By.TAG_NAME, "a").text for r in rows[:3]] == ["5", "10", "15"]
        # Two scorers: each value is labelled by its scorer.
        assert all(by_testid(r, "sample-score")[0].text.split()
                   == ["match:", "I", "model_graded_fact:", "I"] for r in rows)
        assert "score=I" in browser.current_url
        shot(browser, "3-incorrect-samples")

        rows[0].click()
        wait(browser, lambda d: by_testid(d, "transcript"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Sample 5"
        messages = by_testid(by_testid(browser, "transcript")[0], "message")
        roles = [m.find_element(By.CLASS_NAME, "role").text for m in messages]
        assert roles == ["SYSTEM", "USER", "ASSISTANT"]
        page = browser.find_element(By.TAG_NAME, "main").text
        assert "The answer is 11." in page and "The grader found the answer wrong." in page
        assert "It is wrong. GRADE: I" in page  # the grader's exchange
        # ...shown as a conversation under the grader's name, not as raw JSON.
        grading = browser.find_element(By.CLASS_NAME, "grading")
        graded = [m.find_element(By.CLASS_NAME, "role").text
                  for m in by_testid(grading, "message")]
        assert graded == ["USER", "ASSISTANT"]
        assert "openai/gpt-4o-mini" in grading.text
        assert "120 in, 12 out, 132 total" in page and "0.75 s" in page
        shot(browser, "4-transcript")

        by_testid(browser, "back")[0].click()
        wait(browser, pager_is("1-50 of 60 (filtered from 300)"))
        resources = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        assert resources and all(name.startswith(viewer.url) for name in resources)


def test_tool_calls_errors_and_search(browser: WebDriver, tmp_path: Path) -> None:
    write_log(tmp_path / "arith.json", 200)
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url + "#/log/arith.json")
        wait(browser, pager_is("1-50 of 200"))
        Select(by_testid(browser, "error-filter")[0]).select_by_value("1")
        wait(browser, pager_is("1-2 of 2 (filtered from 200)"))
        rows = by_testid(browser, "sample-row")
        assert all("row-error" in r.get_attribute("class") for r in rows)
        assert "RuntimeError: the model went away" in rows[0].text
        Select(by_testid(browser, "error-filter")[0]).select_by_value("")
        search = by_testid(browser, "search")[0]
        search.send_keys("what is 123 + 123\n")
        wait(browser, pager_is("1-1 of 1 (filtered from 200)"))
        browser.get(viewer.url + "#/log/arith.json?q=nothing%20like%20this")
        wait(browser, lambda d: "No sample matches" in d.find_element(By.TAG_NAME, "main").text)
        rows_url = viewer.url + "#/log/arith.json"
        browser.get(rows_url)
        wait(browser, pager_is("1-50 of 200"))
        by_testid(browser, "sample-row")[0].click()
        call = wait(browser, lambda d: by_testid(d, "tool-call"))[0]
        assert "add" in call.text and '"x": 1' in call.text
        assert "TOOL add #call_1" in browser.find_element(By.TAG_NAME, "main").text
        # The model's reasoning is folded away, and opens on a click.
        reasoning = browser.find_element(By.CSS_SELECTOR, 'details[data-fold="Reasoning"]')
        assert reasoning.get_attribute("open") is None
        reasoning.find_element(By.TAG_NAME, "summary").click()
        assert "Adding is what the tool does." in reasoning.text


def test_a_running_eval_refreshes(browser: WebDriver, tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    log, file = start_log(path, 10)
    file.add(*(sample(i) for i in range(1, 6)))
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url + "#/log/run.json")
        wait(browser, pager_is("1-5 of 5"))
        assert text_of(browser, "status") == "started"
        assert "5 of 10 samples" in text_of(browser, "progress")
        assert browser.find_element(By.ID, "live").is_displayed()
        fold = browser.find_element(By.CSS_SELECTOR, 'details[data-fold="Task config"]')
        fold.find_element(By.TAG_NAME, "summary").click()
        assert "devops.txt" in fold.text  # the params
        shot(browser, "5-running")
        file.add(*(sample(i) for i in range(6, 11)))
        wait(browser, pager_is("1-10 of 10"))
        assert "10 of 10 samples" in text_of(browser, "progress")
        fold = browser.find_element(By.CSS_SELECTOR, 'details[data-fold="Task config"]')
        assert fold.get_attribute("open") is not None  # a refresh keeps what was open
        log.status = "success"
        file.finish(log)
        wait(browser, lambda d: text_of(d, "status") == "success")
        wait(browser, lambda d: not d.find_element(By.ID, "live").is_displayed())


def test_ten_thousand_samples_open_fast(browser: WebDriver, tmp_path: Path) -> None:
    write_log(tmp_path / "big.json", 10_000)
    with BackgroundViewer(tmp_path) as viewer:
        browser.get("about:blank")
        start = time.perf_counter()
        browser.get(viewer.url + "#/log/big.json")
        painted = wait(browser, lambda d: d.execute_script("return EVR.timings.samplesPainted"))
        wall = time.perf_counter() - start
        assert pager_is("1-50 of 10,000")(browser)
        assert len(by_testid(browser, "sample-row")) == 50
        print(f"\n10,000-sample log: sample list painted {painted:.0f} ms after navigation "
              f"(wall {wall * 1000:.0f} ms, cold index)")
        assert painted < 10_000
        browser.get(viewer.url + "#/log/big.json?page=200")
        wait(browser, pager_is("9,951-10,000 of 10,000"))
        assert by_testid(browser, "next")[0].get_attribute("disabled") is not None


def test_exported_viewer_works_from_disk(browser: WebDriver, tmp_path: Path) -> None:
    write_log(tmp_path / "logs" / "arith.json", 1200)
    export_viewer(tmp_path / "logs", tmp_path / "site")
    home = (tmp_path / "site" / "index.html").as_uri()
    browser.get(home)
    link = wait(browser, lambda d: by_testid(d, "log-link"))[0]
    assert "success" in by_testid(browser, "log-row")[0].text
    link.click()
    wait(browser, pager_is("1-50 of 1,200"))
    browser.get(home + "#/log/l0?page=21")  # rows 1001-1050: the second chunk of rows
    wait(browser, pager_is("1,001-1,050 of 1,200"))
    browser.get(home + "#/log/l0")
    wait(browser, pager_is("1-50 of 1,200"))
    wait(browser, lambda d: len(Select(by_testid(d, "score-filter")[0]).options) > 1)
    Select(by_testid(browser, "score-filter")[0]).select_by_visible_text("match: I (238)")
    wait(browser, pager_is("1-50 of 238 (filtered from 1,200)"))
    shot(browser, "6-export-incorrect")
    by_testid(browser, "sample-row")[1].click()
    wait(browser, lambda d: by_testid(d, "transcript"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sample 10"
    assert "It is wrong. GRADE: I" in browser.find_element(By.TAG_NAME, "main").text
    assert not browser.find_element(By.ID, "live").is_displayed()
