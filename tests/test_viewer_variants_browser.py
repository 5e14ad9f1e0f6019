"""The viewer for iterating on prompts, in headless Chromium: params and variants in the
list, grouped metrics that fit, a plan as written, tool calls by tool, a live running
metric, questions and round ticks in compare (screenshots under test-artifacts/viewer/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from evalrunner import Score
from evalrunner.events._model import ApprovalEvent, ModelEvent, SandboxEvent, ToolEvent
from evalrunner.log import (
    EvalDataset,
    EvalLog,
    EvalMetric,
    EvalPlan,
    EvalPlanStep,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    EvalStats,
    write_eval_log,
)
from evalrunner.model import (
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    ModelOutput,
    ToolCall,
)
from evalrunner.viewer import BackgroundViewer
from tests.test_viewer_browser import browser, by_testid, shot, text_of, wait
from tests.viewer_logs import LogFile, header, sample

__all__ = ["browser"]  # the Chromium fixture, shared with the other browser tests

CREATED = "2026-01-02T03:04:05+00:00"
SUITE_FILE = "/home/someone/project/suites/prompts.yml"


def _variant_log(path: Path, system: str, right: int, created: str) -> None:
    samples = []
    for i in range(1, 5):
        grade = "C" if i <= right else "I"
        samples.append(EvalSample(
            id=i, input=f"What is the capital of country {i}?", target="x",
            output=ModelOutput.from_content("mockllm/model", f"answer {i}"),
            scores={"match": Score(value=grade)}, metadata={"level": "easy" if i % 2 else "hard"},
        ))
    metrics = {"accuracy": EvalMetric(name="accuracy", value=right / 4)}
    for group in ("easy", "hard", "all", "medium", "expert"):
        metrics[f"accuracy/{group}"] = EvalMetric(name=f"accuracy/{group}", value=right / 4)
    metrics["stderr"] = EvalMetric(name="stderr", value=0.25)
    log = EvalLog(
        status="success",
        eval=EvalSpec(
            run_id=path.stem, task="capitals", suite="prompts", suite_file=SUITE_FILE,
            created=created, model="mockllm/model",
            params={"system": system, "temperature_hint": "low"},
            dataset=EvalDataset(name="capitals",
                                location="/home/someone/project/suites/data/capitals.jsonl",
                                samples=4),
        ),
        plan=EvalPlan(
            steps=[EvalPlanStep(name="system_message", args={"$0": system}),
                   EvalPlanStep(name="generate")],
            scorers=[EvalPlanStep(name="match", args={"numeric": True})],
        ),
        samples=samples,
        results=EvalResults(total_samples=4, completed_samples=4, scores=[
            EvalScore(name="match", scorer="match", scored_samples=4, metrics=metrics)]),
        stats=EvalStats(started_at=created, completed_at=created),
    )
    write_eval_log(log, path)


def test_prompt_variants_in_list_task_and_compare(browser: WebDriver, tmp_path: Path) -> None:
    _variant_log(tmp_path / "terse.json", "terse.txt", 4, "2026-01-02T03:04:05+00:00")
    _variant_log(tmp_path / "chatty.json", "chatty.txt", 0, "2026-01-02T03:05:05+00:00")
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url)
        wait(browser, lambda d: len(by_testid(d, "log-row")) == 2)
        variants = sorted(v.text for v in by_testid(browser, "log-variant"))
        assert variants == ["· system=chatty.txt", "· system=terse.txt"]
        params = by_testid(browser, "log-params")[0]
        chips = by_testid(params, "log-param")
        assert [c.text for c in chips][1] == "temperature_hint=low"
        assert "variant" in (chips[0].get_attribute("class") or "")
        assert "variant" not in (chips[1].get_attribute("class") or "")
        shot(browser, "variants-1-list")

        browser.get(viewer.url + "#/log/terse.json")
        card = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".metrics-rows"))
        owner = card.find_element(By.XPATH, "./ancestor::section[contains(@class, 'card')]")
        # Every figure lies inside its card: none hidden under the usage card.
        right_edge = owner.rect["x"] + owner.rect["width"]
        figures = card.find_elements(By.CSS_SELECTOR, "td.big")
        assert len(figures) == 7
        assert all(f.rect["x"] + f.rect["width"] <= right_edge + 1 for f in figures)
        assert browser.execute_script(
            "return arguments[0].scrollWidth <= arguments[0].clientWidth", owner)
        by_testid(browser, "log-summary")[0].find_element(
            By.CSS_SELECTOR, 'details[data-fold="Task config"] summary').click()
        config = browser.find_element(By.CSS_SELECTOR, 'details[data-fold="Task config"]').text
        assert "system_message: terse.txt" in config and "$0" not in config
        assert "match: {numeric: true}" in config
        assert "data/capitals.jsonl" in config and "/home/someone" not in config
        shot(browser, "variants-2-grouped-metrics")

        browser.get(viewer.url + "#/compare?logs=terse.json,chatty.json")
        wait(browser, lambda d: len(by_testid(d, "compare-row")) == 4)
        questions = [q.text for q in by_testid(browser, "compare-question")]
        assert questions[0] == "What is the capital of country 1?"
        metrics = text_of(browser, "compare-metrics")
        assert "system=terse.txt" in metrics and "system=chatty.txt" in metrics
        ticks = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".chart text.axis")]
        assert ticks[:5] == ["0", "0.25", "0.5", "0.75", "1"]
        heights = sorted(float(b.get_attribute("height") or 0)
                         for b in by_testid(browser, "chart-bar"))
        assert 0 < heights[0] <= 3  # the chatty variant's 0 is a visible sliver
        shot(browser, "variants-3-compare")


def _agent_sample() -> EvalSample:
    bash = ToolCall(id="c1", function="bash", arguments={"cmd": "ls -la /srv && cat notes.txt"})
    edit = ToolCall(id="c2", function="text_editor", arguments={
        "command": "create", "path": "/root/fix.py", "file_text": "print('fixed')\n"})
    rm = ToolCall(id="c3", function="bash", arguments={"cmd": "rm -rf /"})
    refused = "the tool call was rejected by the approver: destructive"
    messages: list[Any] = [
        ChatMessageUser(content="Fix the service."),
        ChatMessageAssistant(content="Looking first.", tool_calls=[bash, edit]),
        ChatMessageTool(content="notes.txt", tool_call_id="c1", function="bash"),
        ChatMessageTool(content="created /root/fix.py", tool_call_id="c2",
                        function="text_editor"),
        ChatMessageAssistant(content="Cleaning up.", tool_calls=[rm]),
        ChatMessageTool(content=refused, tool_call_id="c3", function="bash", error=refused),
        ChatMessageAssistant(content="Done."),
    ]
    wrapped = ["prlimit", "--as=1000", "--", "bwrap", "--ro-bind", "/", "/", "--unshare-all",
               "--chdir", "/root", "--", "bash", "--noprofile", "--norc", "-c",
               "ls -la /srv && cat notes.txt"]
    events: list[Any] = [
        ModelEvent(model="mockllm/model", messages=1, output="Looking first."),
        ToolEvent(id="c1", function="bash", arguments=bash.arguments, result="notes.txt"),
        SandboxEvent(cmd=wrapped, returncode=0, output="notes.txt"),
        ModelEvent(model="mockllm/model", messages=4, output="Cleaning up."),
        ApprovalEvent(call="c3", function="bash", approver="reject", decision="reject",
                      explanation="destructive"),
    ]
    return EvalSample(id="agent-1", input="Fix the service.", target="fixed",
                      messages=messages, output=ModelOutput.from_content("mockllm/model", "Done."),
                      scores={"includes": Score(value="C")}, events=events)


def test_agent_sample_reads_by_tool(browser: WebDriver, tmp_path: Path) -> None:
    log = EvalLog(status="success", eval=EvalSpec(
        run_id="agent", task="fix_service", created=CREATED, model="mockllm/model"),
        samples=[_agent_sample()])
    write_eval_log(log, tmp_path / "agent.json")
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url + "#/log/agent.json/sample/0")
        wait(browser, lambda d: by_testid(d, "tool-command"))
        transcript_card = by_testid(browser, "transcript")[0]
        commands = [c.text for c in by_testid(transcript_card, "tool-command")]
        assert commands == ["$ ls -la /srv && cat notes.txt", "$ rm -rf /"]
        view = by_testid(browser, "file-view")[0].text
        assert "create /root/fix.py" in view and "print('fixed')" in view
        assert '"file_text"' not in browser.find_element(By.TAG_NAME, "main").text
        transcript = text_of(browser, "transcript")
        assert transcript.count("rejected by the approver: destructive") == 1
        browser.find_element(By.CSS_SELECTOR, '[data-testid="timeline"] > summary').click()
        models = [e.text for e in by_testid(browser, "event-model")]
        assert "1 message ·" in models[0] and "4 messages ·" in models[1]
        tool = by_testid(browser, "event-tool")[0].text
        assert "$ ls -la /srv && cat notes.txt" in tool and '"cmd"' not in tool
        [command] = by_testid(browser, "event-sandbox")
        assert "ls -la /srv && cat notes.txt" in command.text
        assert "bwrap" not in command.text and "prlimit" not in command.text
        shot(browser, "variants-4-agent-sample")


def test_the_live_view_shows_a_running_metric_and_time_left(
    browser: WebDriver, tmp_path: Path
) -> None:
    path = tmp_path / "run.json"
    log = header("arithmetic", 20)
    log.plan = EvalPlan(metrics=[EvalPlanStep(name="accuracy")])
    log.eval.created = "2000-01-01T00:00:00+00:00"  # long ago: a slow run, time left
    file = LogFile(path, log)
    file.add(*(sample(i) for i in range(1, 11)))  # 10 of 20: samples 5 and 10 wrong
    with BackgroundViewer(tmp_path) as viewer:
        browser.get(viewer.url + "#/log/run.json")
        running = wait(browser, lambda d: by_testid(d, "running-metric"))[0].text
        assert running == "· accuracy 0.800 over 10 scored"
        assert "left" in text_of(browser, "eta")
