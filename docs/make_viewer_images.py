"""Rebuild the viewer screenshots of docs/viewer.md in headless Chromium.

    pip install -e '.[dev]'   # selenium; Debian's chromium and chromium-driver
    python docs/make_viewer_images.py

Writes two prompt variants of one task (params `system=terse.txt` and `chatty.txt`, with
grouped metrics) and an agent run (bash and text_editor calls, a refused call, sandbox
events) as logs in a temporary folder, serves them with `evalrunner view`, and saves
docs/images/viewer-list.png (the log list with params), viewer-task.png (a task with
grouped metrics), viewer-agent.png (the agent sample) and viewer-compare.png (the two
variants compared).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

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

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
QUESTIONS = [("France", "Paris", "easy"), ("Australia", "Canberra", "hard"),
             ("Canada", "Ottawa", "hard"), ("Japan", "Tokyo", "easy"),
             ("Brazil", "Brasilia", "hard"), ("Italy", "Rome", "easy")]


def variant(folder: Path, system: str, wrong: set[int], created: str) -> None:
    samples = []
    for i, (country, capital, level) in enumerate(QUESTIONS, start=1):
        said = "Sydney" if i in wrong else capital
        samples.append(EvalSample(
            id=i, input=f"What is the capital of {country}?", target=capital,
            output=ModelOutput.from_content("openai/gpt-4o-mini", said),
            scores={"includes": Score(value="I" if i in wrong else "C", answer=said)},
            metadata={"level": level}))
    def share(keep: list[int]) -> float:
        return sum(1 for i in keep if i not in wrong) / len(keep)
    every = list(range(1, 7))
    easy = [i for i, q in enumerate(QUESTIONS, 1) if q[2] == "easy"]
    hard = [i for i, q in enumerate(QUESTIONS, 1) if q[2] == "hard"]
    figures = {"accuracy": share(every), "stderr": 0.2, "accuracy/easy": share(easy),
               "accuracy/hard": share(hard), "accuracy/all": share(every)}
    log = EvalLog(
        status="success",
        eval=EvalSpec(run_id=f"capitals-{system}", task="capitals", suite="prompts",
                      suite_file="suites/prompts.yml", created=created,
                      model="openai/gpt-4o-mini", params={"system": system, "style": "plain"},
                      dataset=EvalDataset(name="capitals", location="data/capitals.jsonl",
                                          samples=6)),
        plan=EvalPlan(
            steps=[EvalPlanStep(name="system_message", args={"$0": system}),
                   EvalPlanStep(name="generate")],
            scorers=[EvalPlanStep(name="includes")],
            metrics=[EvalPlanStep(name="accuracy"), EvalPlanStep(name="stderr"),
                     EvalPlanStep(name="grouped", args={"by": "level", "metric": "accuracy"})]),
        samples=samples,
        results=EvalResults(total_samples=6, completed_samples=6, scores=[EvalScore(
            name="includes", scorer="includes", scored_samples=6,
            metrics={k: EvalMetric(name=k, value=v) for k, v in figures.items()})]),
        stats=EvalStats(started_at=created, completed_at=created.replace(":05+", ":41+")),
    )
    write_eval_log(log, folder / f"capitals-{system.removesuffix('.txt')}.json")


def agent(folder: Path) -> None:
    look = ToolCall(id="c1", function="bash", arguments={"cmd": "ls /srv/app && cat notes.txt"})
    fix = ToolCall(id="c2", function="text_editor", arguments={
        "command": "str_replace", "path": "/srv/app/config.ini", "old_str": "port = 80",
        "new_str": "port = 8080"})
    wipe = ToolCall(id="c3", function="bash", arguments={"cmd": "rm -rf /srv/app/logs"})
    refused = "the tool call was rejected by the approver: deleting logs is not allowed"
    messages: list[Any] = [
        ChatMessageUser(content="The service does not start. Fix its configuration."),
        ChatMessageAssistant(content="Let me look at the service first.", tool_calls=[look]),
        ChatMessageTool(content="config.ini\nnotes.txt\nport 80 is taken by nginx",
                        tool_call_id="c1", function="bash"),
        ChatMessageAssistant(content="Port 80 is taken: I move the service.", tool_calls=[fix]),
        ChatMessageTool(content="replaced 1 occurrence in /srv/app/config.ini",
                        tool_call_id="c2", function="text_editor"),
        ChatMessageAssistant(content="And clear the old logs.", tool_calls=[wipe]),
        ChatMessageTool(content=refused, tool_call_id="c3", function="bash", error=refused),
        ChatMessageAssistant(content="The service now listens on port 8080."),
    ]
    events: list[Any] = [
        ModelEvent(model="openai/gpt-4o-mini", messages=1, output="Let me look at the service"),
        ToolEvent(id="c1", function="bash", arguments=look.arguments, result="config.ini ..."),
        SandboxEvent(cmd=["bash", "--noprofile", "--norc", "-c", "ls /srv/app && cat notes.txt"],
                     returncode=0, output="config.ini\nnotes.txt"),
        ModelEvent(model="openai/gpt-4o-mini", messages=3, output="Port 80 is taken"),
        ToolEvent(id="c2", function="text_editor", arguments=fix.arguments,
                  result="replaced 1 occurrence"),
        ModelEvent(model="openai/gpt-4o-mini", messages=5, output="And clear the old logs."),
        ApprovalEvent(call="c3", function="bash", approver="reject", decision="reject",
                      explanation="deleting logs is not allowed"),
    ]
    sample = EvalSample(
        id="fix-port", input=messages[0].text, target="port 8080", messages=messages,
        output=ModelOutput.from_content("openai/gpt-4o-mini", messages[-1].text),
        scores={"includes": Score(value="C", answer="port 8080")}, events=events)
    log = EvalLog(status="success", samples=[sample], eval=EvalSpec(
        run_id="agent", task="fix_service", suite="agents", created="2026-01-02T04:00:00+00:00",
        model="openai/gpt-4o-mini"))
    write_eval_log(log, folder / "fix_service.json")


def screenshots(folder: Path) -> None:
    from _chromium import headless_chromium
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from evalrunner.viewer import BackgroundViewer

    def shot(address: str, ready: str, name: str, height: int = 900) -> None:
        driver.set_window_size(1300, height)
        driver.get(address)
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))
        driver.save_screenshot(str(IMAGES / name))

    with headless_chromium() as driver, BackgroundViewer(folder) as viewer:
        shot(viewer.url, '[data-testid="log-param"]', "viewer-list.png", 480)
        shot(viewer.url + "#/log/capitals-terse.json", ".metrics-rows",
             "viewer-task.png", 720)
        shot(viewer.url + "#/log/fix_service.json/sample/0", '[data-testid="tool-command"]',
             "viewer-agent.png", 1250)
        shot(viewer.url + "#/compare?logs=capitals-terse.json,capitals-chatty.json",
             '[data-testid="compare-question"]', "viewer-compare.png", 1000)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="evr-viewer-docs-"))
    try:
        variant(folder, "terse.txt", {2}, "2026-01-02T03:04:05+00:00")
        variant(folder, "chatty.txt", {2, 3, 5}, "2026-01-02T03:10:05+00:00")
        agent(folder)
        screenshots(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
