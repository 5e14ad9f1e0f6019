"""Logs written the way the executor writes them, with what a viewer must show.

Every fifth sample is scored incorrect, every 97th failed with an error, sample 1 has a
tool call and its result, and the model-graded scorer keeps its grader's exchange in the
score's metadata. Used by the viewer tests and `bench/viewer_first_paint.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalrunner import Score
from evalrunner.log import (
    EvalDataset,
    EvalError,
    EvalLog,
    EvalMetric,
    EvalResults,
    EvalSample,
    EvalScore,
    EvalSpec,
    EvalStats,
    ModelCallStats,
)
from evalrunner.log._file import header_line, sample_line, trailer_line
from evalrunner.model import (
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
    ModelOutput,
    ModelUsage,
    ToolCall,
)

MODEL = "openai/gpt-4o-mini"
FILLER = "The quick brown fox jumps over the lazy dog. " * 8
CREATED = "2026-01-02T03:04:05+00:00"


def is_wrong(i: int) -> bool:
    return i % 5 == 0 and not is_failed(i)


def is_failed(i: int) -> bool:
    return i % 97 == 0


def usage(n: int = 1) -> ModelUsage:
    return ModelUsage(input_tokens=120 * n, output_tokens=12 * n, total_tokens=132 * n)


def header(task: str = "arithmetic", samples: int = 10) -> EvalLog:
    spec = EvalSpec(
        run_id=f"run-{task}", task=task, suite="demo", suite_file="suites/demo.yml",
        created=CREATED, model=MODEL, params={"system": "devops.txt"},
        config={"temperature": 0.0, "max_tokens": 256}, model_roles={"grader": MODEL},
        dataset=EvalDataset(name="arith", location="data/arith.jsonl", samples=samples),
    )
    return EvalLog(eval=spec, stats=EvalStats(started_at=CREATED))


def _messages(i: int, question: str, output: ModelOutput) -> list[Any]:
    messages: list[Any] = [
        ChatMessageSystem(content="Answer with a number."),
        ChatMessageUser(content=question, source="input"),
    ]
    if i == 1:
        call = ToolCall(id="call_1", function="add", arguments={"x": 1, "y": 1})
        thought = ContentReasoning(reasoning="Adding is what the tool does.", signature="s1")
        messages.append(ChatMessageAssistant(
            content=[thought, ContentText(text="Let me add.")], tool_calls=[call]
        ))
        messages.append(ChatMessageTool(content="2", tool_call_id="call_1", function="add"))
    return [*messages, output.message]


def _scores(i: int, answer: str) -> dict[str, Score]:
    grade = "I" if is_wrong(i) else "C"
    verdict = "wrong" if is_wrong(i) else "right"
    grader = [
        {"role": "user", "content": f"Is '{answer}' right for {i} + {i}? Reply GRADE: C or I"},
        {"role": "assistant", "content": f"It is {verdict}. GRADE: {grade}"},
    ]
    return {
        "match": Score(value=grade, answer=answer.split()[-1].rstrip(".")),
        "model_graded_fact": Score(
            value=grade,
            explanation=f"The grader found the answer {verdict}.",
            # The shape model_graded_fact writes: one entry per grader.
            metadata={"grading": [{"model": MODEL, "grade": grade, "messages": grader}]},
        ),
    }


def sample(i: int) -> EvalSample:
    """Sample `i` (1-based): question, answer, two scores; some wrong, a few failed."""
    question = f"What is {i} + {i}? {FILLER}"
    answer = f"The answer is {2 * i + 1 if is_wrong(i) else 2 * i}."
    output = ModelOutput.from_content(MODEL, answer)
    output.usage = usage()
    failed = is_failed(i)
    return EvalSample(
        id=i,
        input=question,
        target=str(2 * i),
        messages=_messages(i, question, output),
        output=output,
        scores={} if failed else _scores(i, answer),
        model_usage={MODEL: usage()},
        error=EvalError(message="RuntimeError: the model went away", traceback="Traceback")
        if failed else None,
        started_at=1767322000.0 + i,
        total_time=0.25 + (i % 7) / 10,
    )


class LogFile:
    """A log being written, line by line in the executor's format (see evalrunner.log._file)."""

    def __init__(self, path: Path, log: EvalLog) -> None:
        self.path = path
        self.first = True
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header_line(log), encoding="utf-8")

    def add(self, *samples: EvalSample) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            for one in samples:
                f.write(sample_line(one, self.first))
                self.first = False

    def finish(self, log: EvalLog) -> None:
        with self.path.open("a", encoding="utf-8") as f:
            f.write(trailer_line(log))


def start_log(path: Path, n: int, task: str = "arithmetic") -> tuple[EvalLog, LogFile]:
    log = header(task, n)
    return log, LogFile(path, log)


def finish_log(log: EvalLog, file: LogFile, n: int) -> None:
    errors = sum(1 for i in range(1, n + 1) if is_failed(i))
    scored = n - errors
    right = scored - sum(1 for i in range(1, n + 1) if is_wrong(i))
    log.status = "success"
    metric = {"accuracy": EvalMetric(name="accuracy", value=right / scored if scored else 0.0)}
    log.results = EvalResults(
        total_samples=n, completed_samples=n, error_samples=errors,
        scores=[
            EvalScore(name=name, scorer=name, scored_samples=scored, metrics=metric)
            for name in ("match", "model_graded_fact")
        ],
    )
    log.stats.completed_at = "2026-01-02T03:05:35+00:00"
    log.stats.model_usage = {MODEL: usage(n)}
    log.stats.models = {MODEL: ModelCallStats(calls=n, retries=3, rate_limits=2)}
    file.finish(log)


def write_log(path: Path, n: int, finish: bool = True, task: str = "arithmetic") -> EvalLog:
    """Write a log of `n` samples (finished, or left `started` as if still running)."""
    log, file = start_log(path, n, task)
    # In reverse id order: the viewer must sort by id, not trust the file's order.
    file.add(*(sample(i) for i in range(n, 0, -1)))
    if finish:
        finish_log(log, file, n)
    return log
