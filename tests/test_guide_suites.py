"""The guide's examples (suites/guide, and suites/security.yml): each validates and runs
against a scripted server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from evalrunner.log import EvalLog, read_eval_log
from tests.conftest import ROOT, run_cli
from tests.servers.openai_server import ServerHandle, start_openai_server

GUIDE = ROOT / "suites" / "guide"


def _text(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content)
    return str(content)


def _respond(body: dict[str, Any]) -> Any:
    """A model for every guide example: graders pass, tools get called, answers are fixed."""
    last = body["messages"][-1]
    text = _text(last)
    if "[BEGIN DATA]" in text or "[Reference answer]" in text:
        # A verdict in words (suites/security.yml reads them) and in the default form.
        return "The submission is correct.\nGRADE: C"
    if text.startswith("Look at the two mathematical expressions"):
        first, second = re.findall(r"Expression \d: (.*)", text)
        return "Yes" if first.strip() == second.strip() else "No"
    if last["role"] == "tool":
        return f"Result: {text}"
    tools = [t["function"]["name"] for t in body.get("tools") or []]
    if "add" in tools:
        x, y = re.findall(r"\d+", text)[:2]
        return [{"name": "add", "arguments": {"x": int(x), "y": int(y)}}]
    if "list_files" in tools:
        return [{"name": "list_files", "arguments": {"dir": "files"}}]
    if "ANSWER: $LETTER" in text:
        return "Thinking it over.\nANSWER: A"
    return "Step by step...\nANSWER: 6"


@pytest.fixture(scope="module")
def server() -> Any:
    with start_openai_server(responder=_respond) as handle:
        yield handle


def run_guide(server: ServerHandle, tmp_path: Path, suite: str, *extra: str,
              env: dict[str, str] | None = None) -> list[EvalLog]:
    result = run_cli(
        "run", str(GUIDE / suite if "/" not in suite else ROOT / suite),
        "--model", "openai-api/test/subject",
        "--log-dir", str(tmp_path), *extra,
        env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key", **(env or {})},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    logs = [read_eval_log(p) for p in sorted(tmp_path.glob("*.json"))]
    assert logs and all(log.status == "success" for log in logs)
    assert not server.rejected
    return logs


def by_id(log: EvalLog, sample_id: Any) -> Any:
    """A sample of the log by id (samples are logged in the order they finish)."""
    return next(s for s in log.samples if s.id == sample_id)


def figures(log: EvalLog, scorer: int = 0) -> dict[str, Any]:
    assert log.results is not None
    return {k: m.value for k, m in log.results.scores[scorer].metrics.items()}


def test_every_suite_validates() -> None:
    result = run_cli("validate", "suites/")
    assert result.returncode == 0, result.stderr
    listed = run_cli("list", "tasks", "suites/")
    for task in ("security_guide", "hellaswag", "theory_of_mind", "math", "biology_qa",
                 "arc_easy", "arc_challenge", "addition", "list_files", "gsm8k"):
        assert f"@{task}" in listed.stdout


def test_security_guide(server: ServerHandle, tmp_path: Path) -> None:
    [log] = run_guide(server, tmp_path, "suites/security.yml")
    assert len(log.samples) == 16 and figures(log)["accuracy"] == 1.0
    sample = log.samples[0]
    assert sample.messages[0].role == "system" and "security expert" in sample.messages[0].text
    [devops] = run_guide(server, tmp_path / "devops", "suites/security.yml",
                         "-T", "system=devops.txt")  # found in suites/templates/
    assert "DevOps engineer" in devops.samples[0].messages[0].text
    assert "[Expert]:" in sample.scores["model_graded_fact"].metadata["grading"][0][  # type: ignore[index]
        "messages"][0]["content"]


def test_hellaswag_maps_records_to_multiple_choice(server: ServerHandle, tmp_path: Path) -> None:
    [log] = run_guide(server, tmp_path, "hellaswag.yml")
    # Always answering A: labels 1, 0, 2, 3, 0 are B, A, C, D, A, so 2 of 5 are right.
    assert figures(log)["accuracy"] == pytest.approx(0.4)
    first = by_id(log, 101)
    assert first.target == "B" and len(first.choices or []) == 4
    assert first.metadata == {"source_id": "evalrunner-hs-0001"}


def test_theory_of_mind_with_and_without_critique(server: ServerHandle, tmp_path: Path) -> None:
    [plain] = run_guide(server, tmp_path / "plain", "theory_of_mind.yml")
    [critiqued] = run_guide(server, tmp_path / "critique", "theory_of_mind.yml",
                            "-T", "critique=true")
    assert len(plain.samples) == 20 and figures(plain)["accuracy"] == 1.0
    assert {"accuracy/belief", "accuracy/reality", "accuracy/all"} <= set(figures(plain))
    assert critiqued.eval.params["critique"] is True
    assert len(critiqued.samples[0].messages) > len(plain.samples[0].messages)
    assert [s.name for s in plain.plan.steps] == ["chain_of_thought", "generate"]


def test_math_judged_by_a_model_role(server: ServerHandle, tmp_path: Path) -> None:
    [log] = run_guide(server, tmp_path, "math.yml", "--model-role",
                      "judge=openai-api/test/judge")
    by_target = {s.target: s.scores["expression_equivalence"].value for s in log.samples}
    # Every answer is "6": only the sample whose boxed answer is 6 is judged equivalent.
    assert by_target["6"] == "C" and by_target["\\frac{5}{6}"] == "I"
    assert by_target["\\{2\\}"] == "I"  # braces inside \boxed{...} kept
    result = figures(log)
    assert result["accuracy"] == pytest.approx(1 / 6)
    assert result["accuracy/Level 1"] == 0.5 and result["accuracy/Level 3"] == 0.0
    assert log.stats.models["openai-api/test/judge"].calls == 6


def test_biology_qa_offers_web_search(server: ServerHandle, tmp_path: Path) -> None:
    # The search keys are needed to offer the tool; the scripted model never searches.
    keys = {"GOOGLE_CSE_ID": "test-engine", "GOOGLE_CSE_API_KEY": "test-key"}
    [log] = run_guide(server, tmp_path, "biology_qa.yml", "--model-role",
                      "grader=openai-api/test/grader", env=keys)
    assert figures(log)["accuracy"] == 1.0
    subject = [r.body for r in server.requests if r.body and r.body["model"] == "subject"
               and r.body.get("tools")]
    assert any(t["function"]["name"] == "web_search" for t in subject[-1]["tools"])
    grading = by_id(log, "bio-1").scores["model_graded_qa"].metadata["grading"]  # type: ignore[index]
    assert grading[0]["model"] == "openai-api/test/grader"
    assert "[Reference answer]: The mitochondrion" in grading[0]["messages"][0]["content"]


def test_arc_has_two_tasks_in_one_file(server: ServerHandle, tmp_path: Path) -> None:
    logs = run_guide(server, tmp_path, "arc.yml")
    by_task = {log.eval.task: log for log in logs}
    assert set(by_task) == {"arc_easy", "arc_challenge"}
    assert figures(by_task["arc_easy"])["accuracy"] == 0.25  # one answer of four is A
    assert figures(by_task["arc_challenge"])["accuracy"] == 0.0
    assert by_id(by_task["arc_easy"], "easy-1").choices == ["the Moon", "the Sun", "a mirror",
                                                      "a window"]


def test_tool_use_with_custom_tools(server: ServerHandle, tmp_path: Path) -> None:
    logs = run_guide(server, tmp_path, "tool_use.yml")
    by_task = {log.eval.task: log for log in logs}
    addition = by_task["addition"]
    assert figures(addition)["accuracy"] == 1.0
    second = next(s for s in addition.samples if s.id == 2)  # samples finish in any order
    tool_message = next(m for m in second.messages if m.role == "tool")
    assert tool_message.text == "6048"
    listing = by_task["list_files"]
    assert figures(listing)["accuracy"] == 1.0
    listed = next(m for m in listing.samples[0].messages if m.role == "tool").text
    assert listed.split() == ["groceries.txt", "hello.py", "notes.txt"]


def test_gsm8k_few_shot(server: ServerHandle, tmp_path: Path) -> None:
    [log] = run_guide(server, tmp_path / "four", "gsm8k.yml")
    system = log.samples[0].messages[0]
    assert system.role == "system" and system.text.count("Question:") == 4
    assert by_id(log, 1).target == "15"
    # Every answer is 6 and no target is: the scores are all wrong, the spread is zero.
    assert figures(log) == {"accuracy": 0.0, "stderr": 0.0, "bootstrap_std": 0.0}
    [none] = run_guide(server, tmp_path / "none", "gsm8k.yml", "-T", "fewshot=0")
    assert none.samples[0].messages[0].role == "user"
    [two] = run_guide(server, tmp_path / "two", "gsm8k.yml", "-T", "fewshot=2")
    assert two.samples[0].messages[0].text.count("Question:") == 2
