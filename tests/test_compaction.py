"""compaction: long tool conversations are shortened before the model sees them, by
dropping old tool output or by a model's summary, and each time is recorded in the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalrunner.log import EvalLog, read_eval_log
from evalrunner.solvers._compaction import DROPPED, SUMMARY_HEADER
from tests.conftest import run_cli, write
from tests.servers.openai_server import start_openai_server

TOOLS = '''
from evalrunner import tool


@tool
def big():
    async def execute(n: int) -> str:
        """Return a long page.

        Args:
            n: Page number.
        """
        return f"page {n}: " + "lorem ipsum " * 200
    return execute
'''


def _responder() -> Any:
    """The agent reads pages 0..3 (one call a turn), then answers; the summarizer sums up."""
    calls = 0

    def respond(body: dict[str, Any]) -> Any:
        nonlocal calls
        if body["model"] == "summarizer":
            return "SUMMARY: pages 0 to 2 were read; all lorem ipsum."
        calls += 1
        return [{"name": "big", "arguments": {"n": calls - 1}}] if calls <= 4 else "ANSWER: done"

    return respond


def _run(tmp_path: Path, compaction: str) -> tuple[EvalLog, list[dict[str, Any]]]:
    write(tmp_path / "tools.py", TOOLS)
    write(tmp_path / "suite.yml", (
        "name: long\n"
        "model_roles: {summarizer: openai-api/test/summarizer}\n"
        "tasks:\n"
        "  - name: long\n"
        "    dataset: {samples: [{input: Read the pages., target: done}]}\n"
        "    plan: [{system_message: Be thorough.}, {use_tools: [tools.py@big]}, generate]\n"
        f"    compaction: {compaction}\n"
        "    scorer: includes\n"
    ))
    with start_openai_server(responder=_responder()) as server:
        result = run_cli("run", str(tmp_path / "suite.yml"), "--model", "openai-api/test/agent",
                         "--log-dir", str(tmp_path / "logs"),
                         env={"TEST_BASE_URL": server.url, "TEST_API_KEY": "test-key"})
        assert result.returncode == 0, result.stderr
        assert not server.rejected, server.rejected[0].error
        bodies = list(server.bodies)
    [file] = (tmp_path / "logs").glob("*.json")
    return read_eval_log(file), bodies


def test_old_tool_results_are_dropped(tmp_path: Path) -> None:
    log, bodies = _run(tmp_path, "{strategy: drop_tool_results, max_tokens: 700, keep: 1}")
    last = bodies[-1]["messages"]
    tool_texts = [m["content"] for m in last if m["role"] == "tool"]
    assert len(tool_texts) == 4
    assert tool_texts[:3] == [DROPPED] * 3 and tool_texts[3].startswith("page 3: lorem")
    # Calls stay paired with their (emptied) results: the server checks the pairing.
    assert sum(len(m.get("tool_calls") or []) for m in last) == 4
    [sample] = log.samples
    assert sample.scores["includes"].value == "C"
    records = sample.compactions
    assert [r.tool_results_dropped for r in records] == [1, 1, 1]
    assert all(r.strategy == "drop_tool_results" and r.tokens_after < r.tokens_before
               for r in records)
    assert log.eval.compaction == {"strategy": "drop_tool_results", "max_tokens": 700,
                                   "keep": 1}


def test_oldest_turns_are_summarised_by_a_role(tmp_path: Path) -> None:
    log, bodies = _run(tmp_path, "{strategy: summarize, max_tokens: 1200, keep: 2,"
                                 " model: summarizer}")
    summaries = [b for b in bodies if b["model"] == "summarizer"]
    assert summaries and "[tool] page 0: lorem" in summaries[0]["messages"][0]["content"]
    agent = [b for b in bodies if b["model"] == "agent"]
    first_after = next(b["messages"] for b in agent
                       if any(SUMMARY_HEADER in str(m["content"]) for m in b["messages"]))
    roles = [m["role"] for m in first_after]
    assert roles[:3] == ["system", "user", "user"]  # the task stays, then the summary
    assert first_after[2]["content"] == SUMMARY_HEADER + \
        "SUMMARY: pages 0 to 2 were read; all lorem ipsum."
    [sample] = log.samples
    record = sample.compactions[0]
    assert record.strategy == "summarize" and record.messages_removed >= 2
    assert record.summary == "SUMMARY: pages 0 to 2 were read; all lorem ipsum."
    assert sample.scores["includes"].value == "C"


def test_a_bad_compaction_setting_is_located(tmp_path: Path) -> None:
    suite = write(tmp_path / "suite.yml", (
        "name: bad\n"
        "tasks:\n"
        "  - name: bad\n"
        "    dataset: {samples: [{input: hi}]}\n"
        "    compaction: {strategy: squash, max_tokens: 10}\n"
    ))
    result = run_cli("validate", str(suite))
    assert result.returncode == 2
    assert "suite.yml:5:" in result.stderr and "drop_tool_results" in result.stderr
