"""The viewer's compare view and list fixes, in headless Chromium (screenshots under
test-artifacts/viewer/)."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from evalrunner import Score
from evalrunner.log import (
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    write_eval_log,
)
from evalrunner.model import ModelOutput
from evalrunner.viewer import BackgroundViewer
from tests.arith_suite import make_suite, server_env
from tests.conftest import run_cli
from tests.servers.openai_server import start_openai_server
from tests.test_compare import BAD, GOOD, by_model
from tests.test_viewer_browser import browser, by_testid, shot, text_of, wait

__all__ = ["browser"]  # the Chromium fixture, shared with the other browser tests


def test_compare_two_models_shows_metrics_chart_and_disagreements(
    browser: WebDriver, tmp_path: Path
) -> None:
    suite = make_suite(tmp_path, n=10)
    logs = tmp_path / "logs"
    with start_openai_server(responder=by_model) as server:
        result = run_cli("run", str(suite), "--model", f"{GOOD},{BAD}", "--log-dir", str(logs),
                         env=server_env(server.url))
    assert result.returncode == 0, result.stderr
    with BackgroundViewer(logs) as viewer:
        browser.get(viewer.url)
        wait(browser, lambda d: len(by_testid(d, "compare-pick")) == 2)
        assert not by_testid(browser, "compare-button")[0].is_enabled()
        for box in by_testid(browser, "compare-pick"):
            box.click()
        wait(browser, lambda d: by_testid(d, "compare-button")[0].is_enabled())
        by_testid(browser, "compare-button")[0].click()

        wait(browser, lambda d: len(by_testid(d, "compare-row")) == 10)
        metrics = text_of(browser, "compare-metrics")
        assert GOOD in metrics and BAD in metrics and "0.900" in metrics and "0.700" in metrics
        pairs = text_of(browser, "compare-pairs")
        assert f"{BAD} - {GOOD}" in pairs and "-0.200" in pairs and "0.625" in pairs
        assert "McNemar" in text_of(browser, "compare-method")
        assert len(by_testid(browser, "chart-bar")) == 2
        shot(browser, "compare-1-view")

        by_testid(browser, "only-disagree")[0].click()
        wait(browser, lambda d: len(by_testid(d, "compare-row")) == 4)
        rows = by_testid(browser, "compare-row")
        assert [r.get_attribute("data-id") for r in rows] == ["2", "5", "7", "9"]
        cells = rows[3].find_elements(By.CLASS_NAME, "compare-cell")
        assert [c.find_element(By.CSS_SELECTOR, '[data-testid="score-pill"]').text
                for c in cells] == ["I", "C"]  # good, then bad: the order of --model
        assert "only=disagree" in browser.current_url
        shot(browser, "compare-2-disagreements")

        rows[0].click()
        wait(browser, lambda d: len(by_testid(d, "side")) == 2)
        sides = by_testid(browser, "side")
        assert GOOD in sides[0].text and "The answer is 4." in sides[0].text
        assert BAD in sides[1].text and "The answer is 5." in sides[1].text
        assert browser.find_element(By.TAG_NAME, "h1").text == "Sample 2"
        shot(browser, "compare-3-transcripts")


def _fixes_log(path: Path, status: str, missed: list[str]) -> None:
    samples = []
    for i in range(1, 13):
        grade = "C" if i % 3 else "I"
        graded = Score(value="I", metadata={"unscored": True}) if i == 4 else Score(value=grade)
        output = ModelOutput.from_content("mockllm/model", f"answer {i}")
        samples.append(EvalSample(
            id=f"s{i}", input=f"question {i}", target="x", output=output,
            scores={"match": Score(value=grade), "graded": graded},
            metadata={"level": "hard" if i % 2 else "easy"}, total_time=float(13 - i),
        ))
    log = EvalLog(
        status=status,  # type: ignore[arg-type]
        eval=EvalSpec(run_id=path.stem, task="fixes", created="2026-01-02T03:04:05+00:00",
                      model="mockllm/model"),
        samples=samples,
        results=EvalResults(
            total_samples=20 if status == "cancelled" else 12, completed_samples=12,
            scores=[EvalScore(name="match", scorer="match",
                              metrics={"accuracy": EvalMetric(name="accuracy", value=0.667)})],
            missed_thresholds=missed,
        ),
    )
    write_eval_log(log, path)


def test_list_and_sample_fixes(browser: WebDriver, tmp_path: Path) -> None:
    _fixes_log(tmp_path / "missed.json", "success", ["match/accuracy 0.667 < 0.900"])
    _fixes_log(tmp_path / "cancelled.json", "cancelled", [])
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url)
        wait(browser, lambda d: len(by_testid(d, "status")) == 2)
        statuses = sorted(s.text for s in by_testid(browser, "status"))
        assert statuses == ["cancelled · partial", "threshold missed"]
        missed = next(s for s in by_testid(browser, "status") if s.text == "threshold missed")
        assert "status-success" not in (missed.get_attribute("class") or "")
        shot(browser, "fixes-1-list")

        browser.get(viewer.url + "#/log/cancelled.json")
        wait(browser, lambda d: len(by_testid(d, "sample-row")) == 12)
        assert "partial results, over 12 of 20 samples" in text_of(browser, "partial")
        ids = [r.find_element(By.TAG_NAME, "a").text for r in by_testid(browser, "sample-row")]
        assert ids == [f"s{i}" for i in range(1, 13)]  # s2 before s10
        row4 = by_testid(browser, "sample-row")[3]
        assert by_testid(row4, "sample-score")[0].text.split() == ["match:", "C", "graded:",
                                                                    "unscored"]

        by_testid(browser, "sort-time")[0].click()  # shortest first: s12 took 1 s
        wait(browser, lambda d: by_testid(d, "sample-row")[0].find_element(
            By.TAG_NAME, "a").text == "s12")
        by_testid(browser, "sort-time")[0].click()
        wait(browser, lambda d: by_testid(d, "sample-row")[0].find_element(
            By.TAG_NAME, "a").text == "s1")
        assert "sort=-time" in browser.current_url

        wait(browser, lambda d: by_testid(d, "meta-filter"))
        Select(by_testid(browser, "meta-filter")[0]).select_by_visible_text("level = easy (6)")
        wait(browser, lambda d: len(by_testid(d, "sample-row")) == 6)
        ids = [r.find_element(By.TAG_NAME, "a").text for r in by_testid(browser, "sample-row")]
        assert ids == ["s2", "s4", "s6", "s8", "s10", "s12"]
        shot(browser, "fixes-2-sorted-filtered")

        by_testid(browser, "sample-row")[1].click()  # s4, second of the filtered list
        wait(browser, lambda d: by_testid(d, "sample-nav"))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Sample s4"
        assert "2 of 6" in text_of(browser, "sample-nav")
        pills = [p.text for p in by_testid(browser, "score-pill")]
        assert "graded: unscored" in pills
        by_testid(browser, "next-sample")[0].click()
        wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Sample s6")
        by_testid(browser, "prev-sample")[0].click()
        wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Sample s4")
        by_testid(browser, "prev-sample")[0].click()
        wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Sample s2")
        assert not by_testid(browser, "prev-sample")[0].is_enabled()
        shot(browser, "fixes-3-sample-nav")
