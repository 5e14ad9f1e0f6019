"""Unscored samples are never a silent success: the terminal, the exit code (on request),
`diff`, `compare` and the viewer all say how many and why."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from evalrunner.viewer import BackgroundViewer
from tests.agent_runs import run_shipped
from tests.conftest import run_cli, write
from tests.test_viewer_browser import browser, by_testid, wait

__all__ = ["browser"]

# Each sample's script: the answer, then the grader's reply (the same model grades itself).
SUITE = """
model: mockllm/model
model_args:
  outputs: ["Paris", "Yes, that is right."]
tasks:
  - name: capitals
    dataset:
      samples:
        - {input: "The capital of France?", target: "Paris"}
        - {input: "The capital of France, again?", target: "Paris"}
    scorer: SCORER
"""
MISSED = ("the grader's reply did not match grade_pattern 'GRADE\\\\s*:\\\\s*\\\\**\\\\s*([CI])"
          "\\\\b': 'Yes, that is right.'")


def _suite(tmp_path: Path, scorer: str = "model_graded_fact") -> Path:
    return write(tmp_path / "s.yml", SUITE.replace("SCORER", scorer))


def test_an_unscored_task_says_so_and_why(tmp_path: Path) -> None:
    suite = _suite(tmp_path)
    logs = tmp_path / "logs"
    summary = tmp_path / "summary.md"
    result = run_cli("run", str(suite), "--log-dir", str(logs), "--display", "plain",
                     "--summary", str(summary))
    assert result.returncode == 0, result.stderr  # scored or not, the run itself succeeded
    out = result.stdout + result.stderr
    assert "capitals: success · 2 unscored, 2/2 samples" in out
    assert "model_graded_fact: accuracy=n/a, stderr=n/a (2 of 2 unscored)" in out
    assert f"unscored: model_graded_fact: {MISSED}" in out
    assert "1 left samples unscored" in result.stderr
    assert "accuracy -, stderr - (2 of 2 unscored)" in summary.read_text()

    failing = run_cli("run", str(suite), "--log-dir", str(logs), "--fail-on-unscored")
    assert failing.returncode == 1, failing.stderr
    (first, second) = sorted(logs.glob("*.json"))
    for command in (("diff", str(first), str(second)), ("compare", str(logs))):
        compared = run_cli(*command)
        assert compared.returncode == 0, compared.stderr
        assert "Traceback" not in compared.stderr


def test_grade_pattern_labels_map_other_words_to_grades(tmp_path: Path) -> None:
    scorer = ('{model_graded_fact: {grade_pattern: {pattern: "\\\\b(yes|no)\\\\b", '
              'labels: {"yes": C, "no": I}}}}')
    log = run_shipped(_suite(tmp_path, scorer), tmp_path)["capitals"]
    (score,) = log.results.scores  # type: ignore[union-attr]
    assert score.unscored_samples == 0 and score.metrics["accuracy"].value == 1.0
    bad = run_cli("validate", str(_suite(tmp_path, scorer.replace("I}", "maybe}"))))
    assert bad.returncode == 2
    assert "grade_pattern labels: no: 'maybe' is not C, P, I or a number" in bad.stderr


def test_the_viewer_shows_unscored_samples_and_the_reason(browser: WebDriver,
                                                          tmp_path: Path) -> None:
    run_shipped(_suite(tmp_path), tmp_path)
    (log_file,) = (tmp_path / "logs").glob("*.json")
    with BackgroundViewer(tmp_path / "logs") as viewer:
        browser.get(f"{viewer.url}#/log/{log_file.name}")
        (notice,) = wait(browser, lambda d: by_testid(d, "unscored"))
        assert "model_graded_fact: 2 of 2 samples unscored" in notice.text
        assert "did not match grade_pattern" in notice.text
        assert "'Yes, that is right.'" in notice.text
        assert "0 scored, 2 unscored" in by_testid(browser, "metrics")[0].text
        wait(browser, lambda d: by_testid(d, "sample-row"))[0].click()
        wait(browser, lambda d: by_testid(d, "score"))
        page = browser.find_element(By.TAG_NAME, "main").text
        assert MISSED in page  # the sample's score says why, too
